import {
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

/**
 * What one run or deploy came to, from either source, once normalised. Derived from zod schemas so that
 * what comes back from the store (outbox, inflight records) is validated with the same definition.
 *
 * `outcome` is GitHub's conclusion for GitHub runs (failure, timed_out, startup_failure, success, ...)
 * and `deploy_error` / `success` for Netlify deploys. The policy decides which outcomes are failures.
 */
const commit = object({
  sha: nullable(string()),
  /** First line of the commit message (or the deploy title), never the whole message. */
  message: nullable(string()),
  url: nullable(string()),
  author: nullable(string()),
});

const common = object({
  /** Repository full name (`org/site`) or Netlify site name. */
  site: string(),
  /** Repository or site URL. */
  siteUrl: nullable(string()),
  /** Workflow name, or "Netlify build". */
  pipeline: string(),
  branch: nullable(string()),
  /** Deploy context: Netlify's `production` / `deploy-preview` / `branch-deploy`; GitHub's triggering event. */
  context: nullable(string()),
  commit,
  outcome: string(),
  /** Netlify's `error_message`, bounded. */
  detail: nullable(string()),
  logsUrl: string(),
  /** Who triggered the run (GitHub `triggering_actor`, Netlify committer when known). */
  actor: nullable(string()),
  attempt: number(),
  /** ISO time the run or deploy finished (or was last updated). */
  occurredAt: string(),
  /**
   * ISO time this run (attempt) or deploy started: GitHub's `run_started_at`, Netlify's `created_at`. It
   * orders the results of one stream (docs/architecture.md, "Order"). Optional: records stored before it
   * existed still parse, and then `occurredAt` stands in.
   */
  startedAt: optional(nullable(string())),
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

export const runEventSchema = discriminatedUnion("source", [githubRunSchema, netlifyDeploySchema]);

export type GithubRunEvent = Infer<typeof githubRunSchema>;
export type NetlifyDeployEvent = Infer<typeof netlifyDeploySchema>;
export type RunEvent = Infer<typeof runEventSchema>;

/** Outcomes that are failures by nature; GitHub ones are further filtered by NOTIFY_CONCLUSIONS. */
export const FAILURE_OUTCOMES = ["failure", "timed_out", "startup_failure", "deploy_error"] as const;
export type FailureOutcome = (typeof FAILURE_OUTCOMES)[number];
export type FailureEvent = RunEvent & { outcome: FailureOutcome };

export const isFailureEvent = (event: RunEvent): event is FailureEvent =>
  (FAILURE_OUTCOMES as readonly string[]).includes(event.outcome);

/** One notification per thing that happened: a redelivery or a second hook is a duplicate. */
export const idempotencyKey = (event: RunEvent): string =>
  event.source === "github"
    ? `github:${event.repository}:${event.runId}:${event.attempt}`
    : `netlify:${event.siteId}:${event.deployId}`;

/** What an episode is about: one workflow on one branch, or one site's context and branch. */
export const streamKey = (event: RunEvent): string =>
  event.source === "github"
    ? `github:${event.repository}:${event.workflowId}:${event.branch ?? ""}`
    : `netlify:${event.siteId}:${event.context ?? ""}:${event.branch ?? ""}`;

/** Folds a GitHub failure and a Netlify failure of the same commit. */
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
  number: event.source === "github" ? (event.runNumber ?? 0) : 0,
  attempt: event.attempt,
  finishedAt: timeOf(event.occurredAt),
});

/** Negative when `a` is older than `b`, 0 when they are the same run result, positive when newer. */
export const compareRuns = (a: RunOrder, b: RunOrder): number =>
  a.startedAt - b.startedAt || a.number - b.number || a.attempt - b.attempt || a.finishedAt - b.finishedAt;

export const shortSha = (sha: string | null): string | null => (sha ? sha.slice(0, 7) : null);
