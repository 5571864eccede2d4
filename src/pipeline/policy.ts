import type { Config } from "../config.ts";
import { type FailureEvent, isFailureEvent, type RunEvent } from "../event.ts";

/**
 * Which finished runs count. A run is a failure when its outcome is one the operator asked for
 * (NOTIFY_CONCLUSIONS for GitHub; every Netlify `deploy_error` that survived the cancel rules; every
 * failed GitLab pipeline, src/sources/gitlab/pipeline-status.ts), a
 * success closes an episode, and everything else (cancelled, skipped, stale, neutral, action_required)
 * neither opens nor closes one. BRANCHES filters both.
 */
export type Verdict =
  | { readonly kind: "failure"; readonly event: FailureEvent }
  | { readonly kind: "success"; readonly event: RunEvent }
  | { readonly kind: "ignored"; readonly reason: string };

const SILENT_REASONS: Readonly<Record<string, string>> = {
  cancelled: "cancelled run (superseded by a newer push or stopped by hand): stays silent",
  skipped: "skipped run: stays silent",
  stale: "stale run: stays silent",
  neutral: "neutral run: stays silent",
  action_required: "run waiting for approval (action_required): stays silent",
};

/** Only the table's own keys: an outcome named `constructor` or `__proto__` reads as none. */
const silentReason = (outcome: string): string | undefined =>
  Object.hasOwn(SILENT_REASONS, outcome) ? SILENT_REASONS[outcome] : undefined;

export const branchWatched = (branch: string | null, config: Pick<Config, "branches">): boolean =>
  config.branches === null ||
  (branch !== null && config.branches.some(({ pattern }) => pattern.test(branch)));

export const classify = (
  event: RunEvent,
  config: Pick<Config, "branches" | "notifyConclusions">,
): Verdict => {
  if (!branchWatched(event.branch, config)) {
    return {
      kind: "ignored",
      reason: `branch ${JSON.stringify(event.branch)} does not match BRANCHES (${config.branches?.map(({ glob }) => glob).join(",")})`,
    };
  }
  if (event.outcome === "success") return { kind: "success", event };
  if (event.source === "netlify") {
    return event.outcome === "deploy_error" && isFailureEvent(event)
      ? { kind: "failure", event }
      : { kind: "ignored", reason: `Netlify outcome ${event.outcome}: not a failure` };
  }
  if (event.source === "gitlab") {
    return event.outcome === "failure" && isFailureEvent(event)
      ? { kind: "failure", event }
      : {
          kind: "ignored",
          reason: silentReason(event.outcome) ?? `GitLab outcome ${event.outcome}: not a failure`,
        };
  }
  if (config.notifyConclusions.has(event.outcome) && event.outcome !== "success" && isFailureEvent(event)) {
    return { kind: "failure", event };
  }
  return {
    kind: "ignored",
    reason:
      silentReason(event.outcome) ??
      `conclusion ${event.outcome} is not in NOTIFY_CONCLUSIONS (${[...config.notifyConclusions].join(",")})`,
  };
};
