import type { RunEvent } from "../event.ts";
import { oneLine } from "../text/one-line.ts";
import type { Episode } from "./episodes.ts";
import { keys } from "./keys.ts";
import type { PipelineDeps } from "./pipeline.ts";
import type { DigestItem } from "./storms.ts";

/**
 * Puts an episode's opening or recovery in one destination's storm digest (`key`: src/pipeline/messages.ts),
 * once. Its time is its event's arrival, not the write's: the digest waits STORM_GROUP_WAIT_SECONDS from
 * the storm's first failure, however slow the store was. `replay`: an earlier attempt may have written it
 * and its digest gone out since, which its trace says (`digested/`). True when this call wrote it.
 */
export const writeDigestItem = async (
  key: string,
  item: {
    kind: DigestItem["kind"];
    event: RunEvent;
    stream: string;
    episode: Episode;
    destination: string;
    /** When its event arrived: the episode's opening, or the closing success. */
    at: number;
  },
  deps: Pick<PipelineDeps, "store">,
  replay: boolean,
): Promise<boolean> => {
  const { kind, event, stream, episode, destination, at } = item;
  const value: DigestItem = {
    v: 1,
    destination,
    kind,
    event,
    stream,
    episodeId: episode.id,
    episode: {
      openedAt: episode.openedAt,
      failedRuns: episode.failedRuns,
      firstLogsUrl: episode.first.logsUrl,
    },
    at,
  };
  if (replay && (await deps.store.read(keys.digested(key))) !== null) return false;
  return (await deps.store.set(key, value, { onlyIfNew: true })).modified;
};

/** The outbox summary of a message: what it is about, on one line. */
export const summary = (what: string, event: RunEvent): string =>
  oneLine(`${what}: ${event.site} ${event.workflow} ${event.branch ?? ""}`);
