import { announce } from "../announce.ts";
import { RERUN_WAIT_MS, stopWaiting } from "../auto-rerun.ts";
import { keys } from "../keys.ts";
import type { PipelineDeps } from "../pipeline.ts";
import { parseStream } from "../records.ts";
import type { OpenEpisode } from "./scan.ts";

/**
 * An automatic re-run whose result never came (its webhook lost, the run stuck): after RERUN_WAIT_MS its
 * failure is announced as if the re-run had been refused (docs/architecture.md, "Automatic re-runs").
 * Returns how many it announced.
 */
export const announceStaleReruns = async (
  deps: PipelineDeps,
  open: readonly OpenEpisode[],
  deadline: number,
): Promise<number> => {
  let announced = 0;
  for (const candidate of open) {
    const since = candidate.waitsForRerunSince;
    if (since === undefined || deps.now() - since < RERUN_WAIT_MS) continue;
    if (deps.now() >= deadline) break;
    const state = parseStream(await deps.store.read(keys.stream(candidate.stream)), candidate.stream);
    const episode = state?.episode;
    if (!state || episode?.id !== candidate.episodeId || !(await stopWaiting(state.stream, episode, deps)))
      continue;
    const marked = parseStream(await deps.store.read(keys.stream(candidate.stream)), candidate.stream);
    if (marked?.episode?.id !== candidate.episodeId) continue;
    deps.log("info", "auto re-run: no result in time; announced", { stream: candidate.stream });
    await announce(marked, deps, deadline, { fresh: false });
    announced++;
  }
  return announced;
};
