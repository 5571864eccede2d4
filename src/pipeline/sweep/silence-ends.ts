import { isActive } from "../../silences/match-silence.ts";
import { silenceEndings } from "../../silences/silence-endings.ts";
import type { Silence } from "../../silences/silence-record.ts";
import { removeSilence } from "../../silences/silence-store.ts";
import { announce } from "../announce.ts";
import { keys } from "../keys.ts";
import type { PipelineDeps } from "../pipeline.ts";
import { parseStream } from "../records.ts";
import type { OpenEpisode } from "./scan.ts";

/**
 * Silences that ended (docs/architecture.md, "Silences"): an episode still open that one of them held back,
 * and that no silence in force covers, is announced now, as it would have been when it opened (alone or in
 * its digest, through its destination's ledger); the ended silences are removed after that, so that a
 * sweep cut short finds them again. Returns how many episodes it announced.
 */
export const endSilences = async (
  deps: PipelineDeps,
  silences: readonly Silence[],
  open: readonly OpenEpisode[],
  deadline: number,
): Promise<number> => {
  const now = deps.now();
  if (silences.every((silence) => isActive(silence, now))) return 0;
  const targets = open
    .filter((o) => o.announced)
    .map((o) => ({ ...o, branch: o.branch === "" ? null : o.branch }));
  const { announce: due, remove } = silenceEndings(silences, targets, now);
  const active = silences.filter((silence) => isActive(silence, now));
  let announced = 0;
  for (const target of due) {
    if (deps.now() >= deadline) return announced;
    const state = parseStream(await deps.store.read(keys.stream(target.stream)), target.stream);
    if (state?.episode?.id !== target.episodeId) continue;
    await announce(state, deps, deadline, { fresh: false, silences: active });
    announced++;
  }
  await Promise.all(remove.map((id) => removeSilence(deps.store, id)));
  if (announced > 0 || remove.length > 0)
    deps.log("info", "silences ended", { announced, removed: remove.length });
  return announced;
};
