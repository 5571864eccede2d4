import type { FailureEvent } from "../event.ts";
import { type AutoRerunRule, matchAutoRerun } from "./auto-rerun-rules.ts";
import { rerunTargetOf } from "./rerun-target.ts";

/**
 * Whether a failure is re-run automatically before anyone is told (docs/architecture.md, "Automatic
 * re-runs"). Pure: the pipeline reads the hour's re-runs (`recent`, times in ms) and, on "rerun", writes
 * `recent` back with a conditional write before it calls the provider (src/rerun/rerun.ts). At most
 * AUTO_RERUN_MAX_PER_HOUR across all sites: a theme update failing on 60 sites must not start 60 re-runs.
 */
export const HOUR_MS = 3_600_000;

export type AutoRerunDecision =
  | { readonly kind: "rerun"; readonly rule: AutoRerunRule; readonly recent: readonly number[] }
  | { readonly kind: "announce"; readonly reason: string };

export interface AutoRerunInput {
  readonly rules: readonly AutoRerunRule[];
  readonly event: FailureEvent;
  /** This failure is the result of an automatic re-run already (the pipeline's own record says so). */
  readonly alreadyRerun: boolean;
  /** Times of the automatic re-runs started so far (any age: those older than an hour are dropped). */
  readonly recent: readonly number[];
  readonly maxPerHour: number;
  readonly now: number;
}

export const decideAutoRerun = (input: AutoRerunInput): AutoRerunDecision => {
  const { event, now } = input;
  if (input.rules.length === 0) return { kind: "announce", reason: "AUTO_RERUN is not set" };
  // Once: an attempt after the first (GitHub numbers them) is someone's re-run, or ours.
  if (input.alreadyRerun || (event.source === "github" && event.attempt > 1)) {
    return { kind: "announce", reason: "already a re-run" };
  }
  const rule = matchAutoRerun(input.rules, event);
  if (rule === null) return { kind: "announce", reason: "no AUTO_RERUN rule matches" };
  const target = rerunTargetOf(event);
  if (target.source === "netlify" && !target.production) {
    return { kind: "announce", reason: "Netlify deploys are re-run only in production" };
  }
  const hour = input.recent.filter((at) => at > now - HOUR_MS && at <= now);
  if (hour.length >= input.maxPerHour) {
    return {
      kind: "announce",
      reason: `AUTO_RERUN_MAX_PER_HOUR (${input.maxPerHour}) reached: announced at once`,
    };
  }
  return { kind: "rerun", rule, recent: [...hour, now].sort((a, b) => a - b) };
};
