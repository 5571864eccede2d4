import type { GitlabPipelineEvent } from "../../event.ts";
import { type FailedJob, failedAt } from "../../failed-at.ts";
import { hashEmail } from "../../routing/mentions.ts";
import type { Interpretation } from "../source.ts";
import { pipelineStatus } from "./pipeline-status.ts";
import type { BuildPayload, PipelinePayload } from "./schema.ts";

/** A pipeline without `workflow:name` is called this, in messages and in its stream key. */
export const UNNAMED_PIPELINE = "pipeline";

const nonEmpty = (value: string | null | undefined): string | null =>
  value === undefined || value === null || value.trim() === "" ? null : value.trim();

const firstLine = (text: string | null | undefined): string | null =>
  nonEmpty(text?.trim().split(/\r?\n|\r/, 1)[0]);

/** "2016-08-12 15:23:28 UTC" → "2016-08-12T15:23:28.000Z" (the schema made sure it parses). */
const iso = (time: string): string => new Date(Date.parse(time)).toISOString();

/** Self-managed instances have their own host: every URL comes from the payload (`project.web_url`). */
const under = (webUrl: string, path: string): string => `${webUrl.replace(/\/+$/, "")}${path}`;

const isHttp = (url: string | null | undefined): url is string => !!url && /^https?:\/\//i.test(url);

/**
 * The jobs that made the pipeline fail: failed and not allowed to fail (an `allow_failure` job that fails
 * leaves the pipeline green or "passed with warnings"), in stage order, then in the order they were created.
 */
const failedJobs = (payload: PipelinePayload): FailedJob[] => {
  const stages = payload.object_attributes.stages ?? [];
  const order = (build: BuildPayload) => {
    const index = build.stage ? stages.indexOf(build.stage) : -1;
    return index === -1 ? stages.length : index;
  };
  return (payload.builds ?? [])
    .filter((build) => build.status === "failed" && build.allow_failure !== true)
    .sort((a, b) => order(a) - order(b) || a.id - b.id)
    .map((build) => ({
      name: build.name,
      stage: nonEmpty(build.stage),
      url: under(payload.project.web_url, `/-/jobs/${build.id}`),
      step: null,
      error: nonEmpty(build.failure_reason),
      // Its trace is read after the answer, for the excerpt (src/sources/detail-failure.ts).
      jobId: build.id,
    }));
};

/** Without `finished_at`, the failed jobs tell one result from the next: a retried job gets a new id. */
const failedJobIds = (payload: PipelinePayload): string =>
  `jobs-${(payload.builds ?? [])
    .filter((build) => build.status === "failed")
    .map((build) => build.id)
    .sort((a, b) => a - b)
    .join("-")}`;

/**
 * A validated pipeline event → the pipeline to consider, or why it is skipped. Only finished pipelines
 * are considered (pipeline-status.ts); whether the outcome notifies is the policy's decision.
 *
 * Builds a fresh object field by field: nothing from the payload is spread, so neither an unexpected key
 * nor a field vigie does not read (CI variables, e-mail addresses) travels further.
 */
export const normalisePipeline = (payload: PipelinePayload): Interpretation => {
  const attributes = payload.object_attributes;
  const status = pipelineStatus(attributes.status);
  if (status.kind === "unfinished") {
    return {
      kind: "skip",
      status: "ignored",
      reason: `pipeline ${attributes.status.slice(0, 40)}: only finished pipelines are considered`,
    };
  }
  const { project } = payload;
  const tag = attributes.tag === true;
  const ref = attributes.ref.replace(/^refs\/(?:heads|tags)\//, "");
  const finishedAt = attributes.finished_at ?? null;
  const failure = status.outcome === "failure";
  const event: GitlabPipelineEvent = {
    source: "gitlab",
    site: project.path_with_namespace,
    siteUrl: project.web_url,
    workflow: nonEmpty(attributes.name) ?? UNNAMED_PIPELINE,
    branch: tag ? null : ref,
    context: nonEmpty(attributes.source),
    commit: {
      sha: attributes.sha,
      message: firstLine(payload.commit?.title) ?? firstLine(payload.commit?.message),
      url: nonEmpty(payload.commit?.url) ?? under(project.web_url, `/-/commit/${attributes.sha}`),
      author: nonEmpty(payload.commit?.author?.name),
      // Only a key of SLACK_MENTIONS, hashed: the address itself is never stored or logged.
      ...(payload.commit?.author?.email?.trim()
        ? { authorEmailHash: hashEmail(payload.commit.author.email) }
        : {}),
    },
    outcome: status.outcome,
    detail: null,
    logsUrl: isHttp(attributes.url)
      ? attributes.url
      : under(project.web_url, `/-/pipelines/${attributes.id}`),
    actor: nonEmpty(payload.user?.username) ?? nonEmpty(payload.user?.name),
    // A retried pipeline keeps its id; `result` below tells its results apart.
    attempt: 1,
    occurredAt: iso(finishedAt ?? attributes.created_at),
    // Orders the results of a stream (src/event.ts, runOrder). A retried pipeline keeps its created_at:
    // its new result then follows its old one by finish time, and a newer pipeline stays newer than it.
    startedAt: iso(attributes.created_at),
    failedAt: failure ? failedAt(failedJobs(payload), project.path_with_namespace) : null,
    projectId: project.id,
    pipelineId: attributes.id,
    ref,
    tag,
    result: finishedAt === null ? failedJobIds(payload) : iso(finishedAt),
  };
  return { kind: "run", event };
};
