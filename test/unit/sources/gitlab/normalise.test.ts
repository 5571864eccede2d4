import { describe, expect, it } from "vitest";
import {
  build,
  CI_VARIABLE_VALUE,
  canceledPipeline,
  failedBuildPipeline,
  failedDeployPipeline,
  mergeRequestPipeline,
  passedWithWarningsPipeline,
  pipelinePayload,
  skippedPipeline,
  tagPipeline,
} from "../../../../samples/gitlab.ts";
import {
  commitKey,
  compareRuns,
  type GitlabPipelineEvent,
  idempotencyKey,
  runOrder,
  streamKey,
} from "../../../../src/event.ts";
import { gitlabPipelineSchema, runEventSchema } from "../../../../src/event-schema.ts";
import { MAX_FAILED_AT_TEXT, MAX_FAILED_JOBS } from "../../../../src/failed-at.ts";
import { hashEmail } from "../../../../src/routing/mentions.ts";
import { normalisePipeline } from "../../../../src/sources/gitlab/normalise.ts";
import { pipelinePayloadSchema } from "../../../../src/sources/gitlab/schema.ts";
import type { Interpretation } from "../../../../src/sources/source.ts";
import { errorSignature } from "../../../../src/why/signature.ts";

const interpret = (payload: unknown): Interpretation =>
  normalisePipeline(pipelinePayloadSchema().parse(payload));

const eventOf = (payload: unknown): GitlabPipelineEvent => {
  const result = interpret(payload);
  if (result.kind !== "run" || result.event.source !== "gitlab")
    throw new Error(`not a run: ${JSON.stringify(result)}`);
  return result.event;
};

describe("normalisePipeline", () => {
  it("a failed build job: every field of the event, from GitLab's documented payload", () => {
    const event = eventOf(failedBuildPipeline());
    expect(event).toEqual({
      source: "gitlab",
      site: "acme/sites/docs",
      siteUrl: "https://gitlab.com/acme/sites/docs",
      workflow: "pipeline",
      branch: "main",
      context: "push",
      commit: {
        sha: "bcbb5ec396a2c0f828686f14fac9b80b780504f2",
        message: "Update the home page",
        url: "https://gitlab.com/acme/sites/docs/-/commit/bcbb5ec396a2c0f828686f14fac9b80b780504f2",
        author: "Ada Lovelace",
        // The author's e-mail only as the SLACK_MENTIONS key it can match (the address is not kept).
        authorEmailHash: hashEmail("ada@example.com"),
      },
      outcome: "failure",
      detail: null,
      logsUrl: "https://gitlab.com/acme/sites/docs/-/pipelines/1203117",
      actor: "ada",
      attempt: 1,
      occurredAt: "2026-11-27T10:00:00.000Z",
      startedAt: "2026-11-27T09:58:00.000Z",
      failedAt: {
        jobs: [
          {
            name: "hugo",
            stage: "build",
            url: "https://gitlab.com/acme/sites/docs/-/jobs/9001",
            step: null,
            error: "script_failure",
            jobId: 9001,
            signature: errorSignature("script_failure"),
          },
        ],
      },
      projectId: 4711,
      pipelineId: 1203117,
      ref: "main",
      tag: false,
      result: "2026-11-27T10:00:00.000Z",
    });
    // What goes into the store parses back with the same schema.
    expect(gitlabPipelineSchema.parse(event)).toEqual(event);
    expect(runEventSchema.parse(event)).toEqual(event);
  });

  it("a failed deploy job: names the upload, not the build that passed", () => {
    expect(eventOf(failedDeployPipeline()).failedAt).toEqual({
      jobs: [
        {
          name: "upload",
          stage: "deploy",
          url: "https://gitlab.com/acme/sites/docs/-/jobs/9012",
          step: null,
          error: "runner_system_failure",
          jobId: 9012,
          signature: errorSignature("runner_system_failure"),
        },
      ],
    });
  });

  it("an allow_failure job failing in a passed pipeline: a success, no failedAt", () => {
    const event = eventOf(passedWithWarningsPipeline());
    expect(event.outcome).toBe("success");
    expect(event.failedAt).toBeNull();
  });

  it("an allow_failure job is left out of a failed pipeline's failedAt; jobs come in stage order", () => {
    const event = eventOf(
      failedBuildPipeline({
        builds: [
          build({
            id: 30,
            stage: "deploy",
            name: "upload",
            status: "failed",
            failure_reason: "script_failure",
          }),
          build({ id: 20, stage: "build", name: "lint", status: "failed", allow_failure: true }),
          build({
            id: 12,
            stage: "build",
            name: "hugo-en",
            status: "failed",
            failure_reason: "job_execution_timeout",
          }),
          build({
            id: 11,
            stage: "build",
            name: "hugo-fr",
            status: "failed",
            failure_reason: "script_failure",
          }),
          build({ id: 10, stage: "build", name: "assets", status: "success" }),
        ],
      }),
    );
    expect(event.failedAt?.jobs.map((job) => `${job.stage} › ${job.name} (${job.error})`)).toEqual([
      "build › hugo-fr (script_failure)",
      "build › hugo-en (job_execution_timeout)",
      "deploy › upload (script_failure)",
    ]);
  });

  it("a canceled pipeline → outcome cancelled (the policy keeps it silent), no failedAt", () => {
    const event = eventOf(canceledPipeline());
    expect(event.outcome).toBe("cancelled");
    expect(event.failedAt).toBeNull();
  });

  it("a pipeline being canceled (canceling) → cancelled too", () => {
    expect(eventOf(canceledPipeline({ status: "canceling", finishedAt: null })).outcome).toBe("cancelled");
  });

  it("a skipped pipeline → outcome skipped", () => {
    expect(eventOf(skippedPipeline()).outcome).toBe("skipped");
  });

  it.each([
    "created",
    "waiting_for_resource",
    "preparing",
    "pending",
    "running",
    "manual",
    "scheduled",
    "new-status",
  ])("a %s pipeline is not a result: skipped, nothing to consider", (status) => {
    expect(interpret(pipelinePayload({ status }))).toEqual({
      kind: "skip",
      status: "ignored",
      reason: `pipeline ${status}: only finished pipelines are considered`,
    });
  });

  it("a tag pipeline: no branch, the tag as ref, its own stream", () => {
    const event = eventOf(tagPipeline());
    expect(event).toMatchObject({ branch: null, ref: "v2.4.0", tag: true, workflow: "Release" });
    expect(streamKey(event)).toBe("gitlab:4711:Release:v2.4.0");
  });

  it("a merge request pipeline: the source branch, merge_request_event as context", () => {
    const event = eventOf(mergeRequestPipeline());
    expect(event).toMatchObject({ branch: "feature/new-theme", context: "merge_request_event", tag: false });
    expect(streamKey(event)).toBe("gitlab:4711:pipeline:feature/new-theme");
  });

  it("keys: idempotency from project, pipeline, outcome and finish time; stream from project, name and ref; commit shared", () => {
    const event = eventOf(failedBuildPipeline({ name: "Build and deploy" }));
    expect(idempotencyKey(event)).toBe("gitlab:4711:1203117:failure:2026-11-27T10:00:00.000Z");
    expect(streamKey(event)).toBe("gitlab:4711:Build and deploy:main");
    expect(commitKey(event)).toBe("commit:bcbb5ec396a2c0f828686f14fac9b80b780504f2");
  });

  it("the same delivery again has the same key; the pipeline retried and failing again has another", () => {
    const first = eventOf(failedBuildPipeline());
    expect(idempotencyKey(eventOf(failedBuildPipeline()))).toBe(idempotencyKey(first));
    const retried = eventOf(failedBuildPipeline({ finishedAt: "2026-11-27 10:20:00 UTC" }));
    expect(idempotencyKey(retried)).not.toBe(idempotencyKey(first));
    expect(streamKey(retried)).toBe(streamKey(first));
    // Recovered by a retry: same pipeline id, another outcome.
    const passed = eventOf(pipelinePayload({ finishedAt: "2026-11-27 10:20:00 UTC" }));
    expect(idempotencyKey(passed)).not.toBe(idempotencyKey(retried));
  });

  it("run order: a retried pipeline's new result follows its old one; a newer pipeline stays newer", () => {
    const first = eventOf(failedBuildPipeline());
    const retried = eventOf(pipelinePayload({ finishedAt: "2026-11-27 10:30:00 UTC" }));
    const newer = eventOf(
      failedBuildPipeline({
        pipelineId: 1_203_200,
        createdAt: "2026-11-27 10:05:00 UTC",
        finishedAt: "2026-11-27 10:08:00 UTC",
      }),
    );
    expect(compareRuns(runOrder(retried), runOrder(first))).toBeGreaterThan(0);
    expect(compareRuns(runOrder(newer), runOrder(retried))).toBeGreaterThan(0);
    expect(compareRuns(runOrder(eventOf(failedBuildPipeline())), runOrder(first))).toBe(0);
  });

  it("without finished_at, the failed jobs' ids tell the results apart (a retried job gets a new id)", () => {
    const first = eventOf(failedBuildPipeline({ finishedAt: null }));
    const retried = eventOf(
      failedBuildPipeline({
        finishedAt: null,
        builds: [
          build({
            id: 9050,
            stage: "build",
            name: "hugo",
            status: "failed",
            failure_reason: "script_failure",
          }),
        ],
      }),
    );
    expect(first.occurredAt).toBe("2026-11-27T09:58:00.000Z");
    expect(idempotencyKey(first)).not.toBe(idempotencyKey(retried));
  });

  it("a self-managed instance: every URL comes from the payload", () => {
    const event = eventOf(
      failedBuildPipeline({
        webUrl: "http://gitlab.intra.example:8080/web/docs",
        url: null,
        project: "web/docs",
      }),
    );
    expect(event.siteUrl).toBe("http://gitlab.intra.example:8080/web/docs");
    expect(event.logsUrl).toBe("http://gitlab.intra.example:8080/web/docs/-/pipelines/1203117");
    expect(event.commit.url).toBe(
      "http://gitlab.intra.example:8080/web/docs/-/commit/bcbb5ec396a2c0f828686f14fac9b80b780504f2",
    );
    expect(event.failedAt?.jobs[0]?.url).toBe("http://gitlab.intra.example:8080/web/docs/-/jobs/9001");
  });

  it("older payloads: no commit title (first line of the message), no pipeline url, ISO times", () => {
    const event = eventOf(
      failedBuildPipeline({
        commitTitle: null,
        commitMessage: "\n  Fix the menu  \nDetails\n",
        url: null,
        finishedAt: "2026-11-27T11:00:00+01:00",
      }),
    );
    expect(event.commit.message).toBe("Fix the menu");
    expect(event.logsUrl).toBe("https://gitlab.com/acme/sites/docs/-/pipelines/1203117");
    expect(event.occurredAt).toBe("2026-11-27T10:00:00.000Z");
  });

  it("no user (a pipeline whose user was removed): nobody named", () => {
    expect(eventOf(failedBuildPipeline({ username: null })).actor).toBeNull();
  });

  it("a pipeline that failed before any job (configuration error): no failedAt", () => {
    expect(eventOf(failedBuildPipeline({ builds: [] })).failedAt).toBeNull();
  });

  it("bounds failedAt: at most 10 jobs, each string one line of at most 200 characters", () => {
    const builds = Array.from({ length: 25 }, (_, i) =>
      build({
        id: 100 + i,
        stage: `build\n${"s".repeat(300)}`,
        name: `job ${i}\r\n${"n".repeat(500)}`,
        status: "failed",
        failure_reason: "x".repeat(400),
      }),
    );
    const jobs = eventOf(failedBuildPipeline({ builds })).failedAt?.jobs ?? [];
    expect(jobs).toHaveLength(MAX_FAILED_JOBS);
    for (const job of jobs) {
      for (const text of [job.name, job.stage, job.error]) {
        expect(text).not.toMatch(/[\r\n]/);
        expect(Array.from(text ?? "").length).toBeLessThanOrEqual(MAX_FAILED_AT_TEXT);
      }
    }
  });

  it("copies nothing it does not read: CI variables and e-mail addresses stay out", () => {
    const text = JSON.stringify(eventOf(failedBuildPipeline()));
    expect(text).not.toContain(CI_VARIABLE_VALUE);
    expect(text).not.toContain("ada@example.com");
    expect(text).not.toContain("runner");
  });
});
