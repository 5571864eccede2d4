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

/**
 * The zod schemas of RunEvent (src/event.ts), apart so that only what reads stored records (the pipeline,
 * loaded at the first delivery that needs the store) builds them: building them at import cost a cold start
 * ≈ 2 ms (measured by `npm run bench`, the import cost in BENCHMARKS.md).
 *
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
 * error, and why (its log excerpt and error signature). Built bounded (src/failed-at.ts: at most 10 jobs, each
 * string one line of at most 200 characters, an excerpt at most 12 such lines).
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
      /** The job's id at its source (GitHub job, GitLab build), to read its log; absent when unknown. */
      jobId: optional(nullable(number())),
      /**
       * Why it failed: at most 12 lines of the failed step's log (src/why/select-excerpt.ts), masked.
       * Absent: not looked up (yet); null: looked up, none to show.
       */
      excerpt: optional(nullable(array(string()))),
      /** The key error line, normalised and hashed (src/why/signature.ts): equal for the same error. */
      signature: optional(nullable(string())),
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
