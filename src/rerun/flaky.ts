import type { FailureEvent, RunEvent } from "../event.ts";
import { streamKey } from "../event.ts";

/**
 * Flaky (docs/architecture.md, "Automatic re-runs"): an episode closed by a run of the same commit as the
 * failure that opened it: nothing was fixed, the run merely passed on another try (an automatic re-run,
 * someone's, or a rebuild). The board counts these apart from the episodes a change fixed.
 */
export const isFlaky = (opening: FailureEvent, closing: RunEvent): boolean => {
  const failed = opening.commit.sha?.toLowerCase() ?? null;
  const passed = closing.commit.sha?.toLowerCase() ?? null;
  return failed !== null && failed === passed && streamKey(opening) === streamKey(closing);
};
