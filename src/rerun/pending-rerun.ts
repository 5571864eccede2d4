import { array, type infer as Infer, literal, number, object, string } from "zod/mini";
import { idempotencyKey, type RunEvent } from "../event.ts";
import { keyPart } from "../pipeline/keys.ts";
import type { RerunTarget } from "./rerun-target.ts";

/**
 * The records of automatic re-runs (docs/architecture.md, "Automatic re-runs"), for the pipeline:
 * - `reruns/<stream key>`: the failure vigie re-ran and has not announced; the stream's next result says
 *   what came of it (passed: nothing posted, counted "passed on re-run"; failed: announced once, saying it
 *   failed again after an automatic re-run). Deleted then.
 * - `reruns/budget`: when the automatic re-runs of the last hour started (decideAutoRerun's `recent`),
 *   written with `onlyIfMatch` so that concurrent failures never exceed AUTO_RERUN_MAX_PER_HOUR.
 */
const pendingSchema = object({
  v: literal(1),
  stream: string(),
  /** Idempotency key of the failure re-run. */
  key: string(),
  /** The rule that matched (its number in AUTO_RERUN). */
  rule: number(),
  at: number(),
  /** GitHub: the attempt that failed (the re-run is a later attempt of the same run). */
  runId: number(),
  attempt: number(),
});
export type PendingRerun = Infer<typeof pendingSchema>;

const budgetSchema = object({ v: literal(1), recent: array(number()) });

export const RERUN_BUDGET_KEY = "reruns/budget";
export const pendingRerunKey = (stream: string): string => `reruns/${keyPart(stream)}`;

export const parsePendingRerun = (value: unknown): PendingRerun | null => {
  const parsed = pendingSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
};

/** The budget's times; a missing or unreadable record is an empty hour. */
export const parseRerunBudget = (value: unknown): number[] => {
  const parsed = budgetSchema.safeParse(value);
  return parsed.success ? parsed.data.recent : [];
};

export const pendingRerunOf = (
  stream: string,
  key: string,
  rule: number,
  target: RerunTarget,
  event: RunEvent,
  at: number,
): PendingRerun => ({
  v: 1,
  stream,
  key,
  rule,
  at,
  runId: target.source === "github" ? target.runId : target.source === "gitlab" ? target.pipelineId : 0,
  attempt: event.attempt,
});

/**
 * Whether `event` is the result of the pending re-run (never the failure re-run itself, replayed): GitHub, a
 * later attempt of the same run; GitLab, the same pipeline again (a retry keeps its id); Netlify, a later
 * deploy of the stream (the re-run is a new build; 60 s allowed for the clocks).
 */
export const isResultOfRerun = (pending: PendingRerun, event: RunEvent): boolean => {
  if (idempotencyKey(event) === pending.key) return false;
  switch (event.source) {
    case "github":
      return event.runId === pending.runId && event.attempt > pending.attempt;
    case "gitlab":
      return event.pipelineId === pending.runId;
    case "netlify":
      return Date.parse(event.occurredAt) > pending.at - 60_000;
  }
};
