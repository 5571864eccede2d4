import type { Config } from "../config.ts";
import { StoreUnavailableError } from "../errors.ts";
import type { FailureEvent } from "../event.ts";
import { describeError } from "../log.ts";
import type { RerunDeps } from "../rerun/rerun.ts";
import { type Accepted, accept } from "./accept.ts";
import type { DeliverDeps } from "./deliver.ts";
import type { Verdict } from "./policy.ts";
import { type Result, result } from "./result.ts";

export { accept } from "./accept.ts";
export type { Result } from "./result.ts";

/**
 * One delivery's way through vigie (docs/architecture.md, "One failure, from request to Slack"), owned
 * here from the answer to the last retry; the HTTP layer only maps results to statuses and logs them.
 * - Before the answer (`accept`, src/pipeline/accept.ts): the stream and its destinations' ledgers read at
 *   once, the decision written to the stream in one conditional write: the event is recorded.
 * - After the answer (Netlify's `context.waitUntil`): the messages (src/pipeline/announce.ts,
 *   src/pipeline/recovery.ts), tried again while the budget lasts when the store fails. What still fails
 *   is found by the sweep's scan (src/pipeline/sweep/scan.ts), which runs the same idempotent steps.
 */
export interface PipelineDeps extends DeliverDeps {
  readonly config: Config;
  /**
   * What failed, looked up from the source's API (GitHub's jobs: src/sources/github/jobs.ts) for a failure
   * about to be announced, never for one only counted or folded. Returns the event with its `failedAt`, or
   * the event as it was; never throws, and gives up by `deadline`.
   */
  readonly detailFailure?: ((event: FailureEvent, deadline: number) => Promise<FailureEvent>) | undefined;
  /** How AUTO_RERUN calls the providers (tests give a fetch); absent: the global fetch. */
  readonly rerun?: RerunDeps | undefined;
}

/**
 * How long processing may take after the answer. Netlify lets a synchronous function run 60 s
 * (https://docs.netlify.com/build/functions/configuration, "Synchronous execution limit") and keeps it
 * alive for `context.waitUntil` work; what does not fit is left to the sweep.
 */
export const PROCESS_BUDGET_MS = 25_000;
/** A retry after the store failed is worth it only with this much budget left. */
const RETRY_MARGIN_MS = 5_000;

type Decided = Exclude<Verdict, { kind: "ignored" }>;

export interface RunOptions {
  /** Dependencies whose store calls may wait until `deadline`. */
  readonly depsUntil: (deadline: number) => PipelineDeps;
  readonly now: () => number;
  /** When the answer must be ready (GitHub abandons a delivery after 10 s). */
  readonly answerBy: number;
  /**
   * Keeps work going after the answer (Netlify's `context.waitUntil`). Absent (unit tests, scripts): all
   * of it runs before the answer, which then carries the final result.
   */
  readonly defer?: ((work: Promise<unknown>) => void) | undefined;
  /** Told what the work after the answer came to, or how it failed (the `processed` log line). */
  readonly onProcessed?: (outcome: { readonly result: Result } | { readonly error: unknown }) => void;
}

/** Both halves at once, for callers with no `waitUntil` (unit tests, scripts): the final result. */
export const processVerdict = async (
  verdict: Verdict,
  deps: PipelineDeps,
  deadline: number,
): Promise<Result> => {
  if (verdict.kind === "ignored") return result("ignored", verdict.reason);
  const accepted = await accept(verdict, deps);
  return accepted.after ? accepted.after(deps, deadline) : accepted.result;
};

/**
 * The answer to a delivery that needs state, and the work after it. Should recording the event miss the
 * answer's budget (a slow store), the answer is the store's error (503) but the event is not dropped: the
 * whole delivery is processed again after the answer, from a fresh read, and finds its own write if it
 * landed (a replay) instead of waiting for a redelivery.
 */
export const run = async (verdict: Decided, options: RunOptions): Promise<Result> => {
  const { defer, now } = options;
  if (!defer) return processVerdict(verdict, options.depsUntil(options.answerBy), options.answerBy);
  let accepted: Accepted;
  try {
    accepted = await accept(verdict, options.depsUntil(options.answerBy));
  } catch (error) {
    if (error instanceof StoreUnavailableError) {
      const processBy = now() + PROCESS_BUDGET_MS;
      const again = () => processVerdict(verdict, options.depsUntil(processBy), processBy);
      defer(settle(retrying(again, processBy, options), options));
    }
    throw error;
  }
  const { after } = accepted;
  if (after) {
    const processBy = now() + PROCESS_BUDGET_MS;
    // Started once the answer is on its way (the next turn of the event loop), never before it.
    const work = () => after(options.depsUntil(processBy), processBy);
    defer(
      settle(
        nextTurn().then(() => retrying(work, processBy, options)),
        options,
      ),
    );
  }
  return accepted.result;
};

/**
 * Work after the answer, tried again while its budget lasts when the store failed: it is idempotent, and a
 * store slow under a burst (the local Blobs server) often answers the second time.
 */
const retrying = async (
  work: () => Promise<Result>,
  deadline: number,
  options: RunOptions,
): Promise<Result> => {
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || deadline - options.now() < RETRY_MARGIN_MS)
        throw error;
      const deps = options.depsUntil(deadline);
      deps.log("warn", "store unavailable while processing; trying again", describeError(error));
      await deps.sleep(1_000);
    }
  }
};

const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

const settle = (work: Promise<Result>, options: RunOptions): Promise<void> =>
  work.then(
    (value) => options.onProcessed?.({ result: value }),
    (error: unknown) => options.onProcessed?.({ error }),
  );
