import {
  array,
  boolean,
  discriminatedUnion,
  extend,
  type infer as Infer,
  literal,
  nullable,
  number,
  object,
  optional,
  string,
} from "zod/mini";
import { oneLine } from "./text/one-line.ts";

/**
 * What one run or deploy came to, from any source, once normalised. Derived from zod schemas so that
 * what comes back from the store (outbox, inflight records) is validated with the same definition.
 *
 * `outcome` is GitHub's conclusion for GitHub runs (failure, timed_out, startup_failure, success, ...)
 * `deploy_error` / `success` for Netlify deploys, and `failure` / `success` / `cancelled` / `skipped` for
 * GitLab pipelines. The policy decides which outcomes are failures.
 */
const commit = object({
  sha: nullable(string()),
  /** First line of the commit message (or the deploy title), never the whole message. */
  message: nullable(string()),
  url: nullable(string()),
  author: nullable(string()),
  /**
   * SHA-256 of the commit author's lower-cased e-mail (GitHub, GitLab): only a key of SLACK_MENTIONS
   * (src/routing/mentions.ts). The address itself is never kept.
   */
  authorEmailHash: optional(string()),
});

/**
 * What failed: the failed jobs of a run, with their stage and, when known, the failed step and a short
 * error. Built bounded (src/failed-at.ts: at most 10 jobs, each string one line of at most 200 characters).
 * Optional and nullable: events stored before it existed, and sources that cannot know it, carry none.
 */
export const failedAtSchema = object({
  jobs: array(
    object({
      name: string(),
      stage: nullable(string()),
      url: nullable(string()),
      step: nullable(string()),
      error: nullable(string()),
    }),
  ),
});

const common = object({
  /** Repository full name (`org/site`), Netlify site name, or GitLab project path (`group/sub/site`). */
  site: string(),
  /** Repository or site URL. */
  siteUrl: nullable(string()),
  /** Workflow name, "Netlify build", or the GitLab pipeline's name ("pipeline" when it has none). */
  workflow: string(),
  branch: nullable(string()),
  /**
   * Deploy context: Netlify's `production` / `deploy-preview` / `branch-deploy`; GitHub's triggering event;
   * GitLab's pipeline source (`push`, `schedule`, `web`, `merge_request_event`...).
   */
  context: nullable(string()),
  commit,
  outcome: string(),
  /** Netlify's `error_message`, bounded. */
  detail: nullable(string()),
  logsUrl: string(),
  /** Who triggered the run (GitHub `triggering_actor`, GitLab `user.username`, Netlify committer when known). */
  actor: nullable(string()),
  attempt: number(),
  /** ISO time the run or deploy finished (or was last updated). */
  occurredAt: string(),
  /**
   * ISO time this run (attempt) or deploy started: GitHub's `run_started_at`, Netlify's and GitLab's `created_at`. It
   * orders the results of one stream (docs/architecture.md, "Order"). Optional: records stored before it
   * existed still parse, and then `occurredAt` stands in.
   */
  startedAt: optional(nullable(string())),
  failedAt: optional(nullable(failedAtSchema)),
});

export const githubRunSchema = extend(common, {
  source: literal("github"),
  repository: string(),
  workflowId: number(),
  runId: number(),
  runNumber: nullable(number()),
});

export const netlifyDeploySchema = extend(common, {
  source: literal("netlify"),
  siteId: string(),
  deployId: string(),
});

export const gitlabPipelineSchema = extend(common, {
  source: literal("gitlab"),
  projectId: number(),
  pipelineId: number(),
  /** The branch or tag the pipeline ran for (`branch` is null for a tag). */
  ref: string(),
  tag: boolean(),
  /** Tells one result of a pipeline from the next after a retry (its `finished_at`). */
  result: string(),
});

export const runEventSchema = discriminatedUnion("source", [
  githubRunSchema,
  netlifyDeploySchema,
  gitlabPipelineSchema,
]);

export type GithubRunEvent = Infer<typeof githubRunSchema>;
export type NetlifyDeployEvent = Infer<typeof netlifyDeploySchema>;
export type GitlabPipelineEvent = Infer<typeof gitlabPipelineSchema>;
export type FailedAt = Infer<typeof failedAtSchema>;
export type RunEvent = Infer<typeof runEventSchema>;

/** Outcomes that are failures by nature; GitHub ones are further filtered by NOTIFY_CONCLUSIONS. */
export const FAILURE_OUTCOMES = ["failure", "timed_out", "startup_failure", "deploy_error"] as const;
export type FailureOutcome = (typeof FAILURE_OUTCOMES)[number];
export type FailureEvent = RunEvent & { outcome: FailureOutcome };

export const isFailureEvent = (event: RunEvent): event is FailureEvent =>
  (FAILURE_OUTCOMES as readonly string[]).includes(event.outcome);

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
