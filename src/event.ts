import { oneOf } from "./one-of.ts";
import { oneLine } from "./text/one-line.ts";

/** The normalised event's types; its schemas are in event-schema.ts (built only where records are read). */
export type {
  FailedAt,
  GithubRunEvent,
  GitlabPipelineEvent,
  NetlifyDeployEvent,
  RunEvent,
} from "./event-schema.ts";

import type { RunEvent } from "./event-schema.ts";

/** Outcomes that are failures by nature; GitHub ones are further filtered by NOTIFY_CONCLUSIONS. */
export const FAILURE_OUTCOMES = ["failure", "timed_out", "startup_failure", "deploy_error"] as const;
export type FailureOutcome = (typeof FAILURE_OUTCOMES)[number];
/** A run event whose outcome is a failure; per source (a GitHub FailureEvent is a GithubRunEvent). */
export type FailureEvent<E extends RunEvent = RunEvent> = E & { readonly outcome: FailureOutcome };

export const isFailureOutcome = (outcome: string): outcome is FailureOutcome =>
  oneOf(FAILURE_OUTCOMES, outcome);

/** Narrows the event itself, not only its `outcome`: `event.outcome === "failure"` leaves `event` a RunEvent. */
export const isFailureEvent = <E extends RunEvent>(event: E): event is FailureEvent<E> =>
  isFailureOutcome(event.outcome);

/**
 * One notification per thing that happened: a redelivery or a second hook is a duplicate. A GitLab
 * pipeline keeps its id when failed jobs are retried, so its key adds the result: the same delivery
 * again is a duplicate, the pipeline failing again after a retry is one more failed run.
 */
export const idempotencyKey = (event: RunEvent): string => {
  switch (event.source) {
    case "github":
      return `github:${event.repository}:${event.runId}:${event.attempt}`;
    case "netlify":
      return `netlify:${event.siteId}:${event.deployId}`;
    case "gitlab":
      return `gitlab:${event.projectId}:${event.pipelineId}:${event.outcome}:${event.result}`;
  }
};

/** What an episode is about: one workflow (pipeline) on one branch (ref), or one site's context and branch. */
export const streamKey = (event: RunEvent): string => {
  switch (event.source) {
    case "github":
      return `github:${event.repository}:${event.workflowId}:${event.branch ?? ""}`;
    case "netlify":
      return `netlify:${event.siteId}:${event.context ?? ""}:${event.branch ?? ""}`;
    case "gitlab":
      return `gitlab:${event.projectId}:${event.workflow}:${event.ref}`;
  }
};

/** Folds failures of the same commit from different sources (GitHub, Netlify, GitLab). */
export const commitKey = (event: RunEvent): string | null =>
  event.commit.sha ? `commit:${event.commit.sha.toLowerCase()}` : null;

/**
 * Where a run stands among the runs of its stream, newest last: when it started (a re-run attempt starts
 * later than the run it repeats), then its number and attempt, then when it finished. Deliveries arrive in
 * any order (redeliveries days later, concurrent copies); decisions follow this order instead.
 */
export interface RunOrder {
  readonly startedAt: number;
  readonly number: number;
  readonly attempt: number;
  readonly finishedAt: number;
}

const timeOf = (iso: string | null | undefined): number => {
  const ms = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(ms) ? ms : 0;
};

export const runOrder = (event: RunEvent): RunOrder => ({
  startedAt: timeOf(event.startedAt ?? event.occurredAt),
  number:
    event.source === "github" ? (event.runNumber ?? 0) : event.source === "gitlab" ? event.pipelineId : 0,
  attempt: event.attempt,
  finishedAt: timeOf(event.occurredAt),
});

/** Negative when `a` is older than `b`, 0 when they are the same run result, positive when newer. */
export const compareRuns = (a: RunOrder, b: RunOrder): number =>
  a.startedAt - b.startedAt || a.number - b.number || a.attempt - b.attempt || a.finishedAt - b.finishedAt;

export const shortSha = (sha: string | null): string | null => (sha ? sha.slice(0, 7) : null);

const bound = (text: string | null): string | null => (text === null ? null : oneLine(text));

/**
 * Every payload-derived text of an event bounded to one line of at most 200 characters, before it reaches
 * a log line, a stored record or a message (URLs and ids are left as they are: a cut URL is useless, and
 * the schemas bound their shape). Applied once, by the request handler, for every source.
 */
export const boundedEvent = <T extends RunEvent>(event: T): T => ({
  ...event,
  site: oneLine(event.site),
  workflow: oneLine(event.workflow),
  branch: bound(event.branch),
  context: bound(event.context),
  outcome: oneLine(event.outcome),
  detail: bound(event.detail),
  actor: bound(event.actor),
  commit: { ...event.commit, message: bound(event.commit.message), author: bound(event.commit.author) },
});
