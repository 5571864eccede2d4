import { conditionalUpdate, type Decision } from "../store/conditional-update.ts";
import type { Entry } from "../store/store.ts";
import type { Episode } from "./episodes.ts";
import { keys } from "./keys.ts";
import type { PipelineDeps } from "./pipeline.ts";
import { parseStream } from "./records.ts";

/**
 * Changes the stream's open episode, if it is still `episode` (one conditional write): `change` returns
 * the episode as it should be, or null to leave it.
 */
export const updateEpisode = async (
  stream: string,
  episode: Episode,
  change: (open: Episode) => Episode | null,
  deps: PipelineDeps,
  /** The record as the caller last wrote it (its etag saves a read when nobody wrote since). */
  written?: Entry,
) => {
  await conditionalUpdate(
    deps.store,
    keys.stream(stream),
    (value) => parseStream(value, stream),
    (state): Decision<null> => {
      const open = state?.episode;
      const next = state && open?.id === episode.id ? change(open) : null;
      return state && next
        ? { write: true, next: { ...state, episode: next }, value: null }
        : { write: false, value: null };
    },
    { sleep: deps.sleep, ...(written === undefined ? {} : { initial: written }) },
  );
};
