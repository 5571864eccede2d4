import { describe, expect, it } from "vitest";
import {
  failedRunPayload,
  withField,
  workflowRunExample,
  workflowRunExamples,
} from "../../../../samples/github.ts";
import type { GithubRunEvent } from "../../../../src/event.ts";
import { githubRunSchema } from "../../../../src/event-schema.ts";
import { hashEmail } from "../../../../src/routing/mentions.ts";
import { normaliseWorkflowRun } from "../../../../src/sources/github/normalise.ts";
import { workflowRunPayloadSchema } from "../../../../src/sources/github/schema.ts";
import type { Interpretation } from "../../../../src/sources/source.ts";

const normalise = (payload: unknown): Interpretation =>
  normaliseWorkflowRun(workflowRunPayloadSchema().parse(payload));

const runEvent = (payload: unknown): GithubRunEvent => {
  const result = normalise(payload);
  if (result.kind !== "run" || result.event.source !== "github") {
    throw new Error(`expected a GitHub run, got ${JSON.stringify(result)}`);
  }
  return result.event;
};

describe("normaliseWorkflowRun on every workflow_run example of @octokit/webhooks-examples", () => {
  const examples = workflowRunExamples().map((payload, index) => ({
    label: `#${index} ${payload.action} (${payload.workflow_run.conclusion})`,
    payload,
  }));

  it.each(examples.filter(({ payload }) => payload.action === "completed"))(
    "$label → a run event built from the payload",
    ({ payload }) => {
      const run = payload.workflow_run;
      const event = runEvent(payload);
      expect(githubRunSchema.parse(event)).toEqual(event);
      expect(event).toMatchObject({
        source: "github",
        site: payload.repository.full_name,
        siteUrl: payload.repository.html_url,
        repository: payload.repository.full_name,
        branch: run.head_branch,
        context: run.event,
        outcome: run.conclusion ?? "unknown",
        detail: null,
        logsUrl: run.html_url,
        attempt: run.run_attempt ?? 1,
        occurredAt: run.updated_at,
        workflowId: run.workflow_id,
        runId: run.id,
        runNumber: run.run_number ?? null,
        commit: {
          sha: run.head_sha,
          message: run.head_commit ? run.head_commit.message.split("\n")[0] : null,
          url: `${payload.repository.html_url}/commit/${run.head_sha}`,
          author: run.head_commit ? run.head_commit.author.name : null,
        },
      });
      expect(event.workflow.length).toBeGreaterThan(0);
    },
  );

  it.each(examples.filter(({ payload }) => payload.action !== "completed"))(
    "$label → ignored: only completed runs are considered",
    ({ payload }) => {
      expect(normalise(payload)).toEqual({
        kind: "skip",
        status: "ignored",
        reason: `workflow_run ${payload.action}: only completed runs are considered`,
      });
    },
  );

  it("covers both completed and requested examples", () => {
    expect(new Set(examples.map(({ payload }) => payload.action))).toEqual(
      new Set(["completed", "requested"]),
    );
  });
});

describe("normaliseWorkflowRun on failure variants", () => {
  it("maps every field of a failed site run", () => {
    const payload = failedRunPayload({
      repo: "acme/site-1",
      runId: 42,
      attempt: 1,
      branch: "main",
      sha: "a".repeat(40),
      workflowId: 7,
      workflowName: "Deploy site",
      message: "Update theme\n\nBody of the commit",
      author: "Ada",
      actor: "ada-l",
      updatedAt: "2024-05-01T12:34:56Z",
    });
    expect(runEvent(payload)).toEqual({
      source: "github",
      site: "acme/site-1",
      siteUrl: "https://github.com/acme/site-1",
      workflow: "Deploy site",
      branch: "main",
      context: "push",
      commit: {
        sha: "a".repeat(40),
        message: "Update theme",
        url: `https://github.com/acme/site-1/commit/${"a".repeat(40)}`,
        author: "Ada",
        // The example's author e-mail, only as the SLACK_MENTIONS key it can match.
        authorEmailHash: hashEmail(String(payload.workflow_run.head_commit?.author.email)),
      },
      outcome: "failure",
      detail: null,
      logsUrl: "https://github.com/acme/site-1/actions/runs/42",
      actor: "ada-l",
      attempt: 1,
      occurredAt: "2024-05-01T12:34:56Z",
      startedAt: "2024-05-01T12:34:56Z",
      repository: "acme/site-1",
      workflowId: 7,
      runId: 42,
      runNumber: payload.workflow_run.run_number ?? null,
    } satisfies GithubRunEvent);
  });

  it.each(["failure", "timed_out", "startup_failure", "cancelled", "skipped", "success"])(
    "keeps conclusion %s as the outcome (the policy decides)",
    (conclusion) => {
      expect(runEvent(workflowRunExample({ conclusion })).outcome).toBe(conclusion);
    },
  );

  it("uses 'unknown' when a completed run has no conclusion", () => {
    expect(runEvent(workflowRunExample({ conclusion: null })).outcome).toBe("unknown");
  });

  it.each(["requested", "in_progress"])("ignores action %s even when the run looks failed", (action) => {
    const result = normalise(workflowRunExample({ conclusion: "failure" }, { action }));
    expect(result).toMatchObject({ kind: "skip", status: "ignored" });
  });

  it("keeps the sha and drops message and author when head_commit is null", () => {
    const event = runEvent(workflowRunExample({ head_commit: null, head_sha: "b".repeat(40) }));
    expect(event.commit).toEqual({
      sha: "b".repeat(40),
      message: null,
      url: `https://github.com/octo-org/octo-repo/commit/${"b".repeat(40)}`,
      author: null,
    });
  });

  it("keeps a null branch (runs not on a branch)", () => {
    expect(runEvent(workflowRunExample({ head_branch: null })).branch).toBeNull();
  });

  it.each([
    { message: "Fix build\n\nLonger explanation\nover lines", expected: "Fix build" },
    { message: "Windows line ends\r\nsecond", expected: "Windows line ends" },
    { message: "  padded  \nsecond", expected: "padded" },
    { message: "\n\nleading blank lines\nsecond", expected: "leading blank lines" },
    { message: "single line", expected: "single line" },
    { message: "", expected: null },
    { message: " \n ", expected: null },
  ])("commit message $message → first line $expected", ({ message, expected }) => {
    expect(runEvent(failedRunPayload({ message })).commit.message).toBe(expected);
  });

  it.each([
    { overrides: { run_attempt: 2 }, expected: 2 },
    { overrides: { run_attempt: 1 }, expected: 1 },
    { overrides: { run_attempt: undefined }, expected: 1 },
  ])("attempt from run_attempt $overrides.run_attempt → $expected", ({ overrides, expected }) => {
    const payload = withField(workflowRunExample(), "workflow_run.run_attempt", overrides.run_attempt);
    expect(runEvent(payload).attempt).toBe(expected);
  });

  it.each([
    {
      name: "triggering_actor first",
      triggering: { login: "rerunner" },
      actor: { login: "pusher" },
      expected: "rerunner",
    },
    {
      name: "actor when triggering_actor is null",
      triggering: null,
      actor: { login: "pusher" },
      expected: "pusher",
    },
    {
      name: "actor when triggering_actor is absent",
      triggering: undefined,
      actor: { login: "pusher" },
      expected: "pusher",
    },
    { name: "null when neither is there", triggering: undefined, actor: undefined, expected: null },
  ])("actor: $name", ({ triggering, actor, expected }) => {
    let payload = withField(workflowRunExample(), "workflow_run.triggering_actor", triggering);
    payload = withField(payload, "workflow_run.actor", actor);
    expect(runEvent(payload).actor).toBe(expected);
  });

  it.each([
    { name: "the run's name", runName: "Build", workflow: { name: "Workflow file name" }, expected: "Build" },
    {
      name: "workflow.name when the run's is empty",
      runName: "",
      workflow: { name: "test" },
      expected: "test",
    },
    {
      name: "workflow.name when the run's is null",
      runName: null,
      workflow: { name: "test" },
      expected: "test",
    },
    {
      name: "the workflow id when no name is known",
      runName: "",
      workflow: undefined,
      expected: "workflow 99",
    },
  ])("pipeline: $name", ({ runName, workflow, expected }) => {
    const payload = withField(workflowRunExample({ name: runName, workflow_id: 99 }), "workflow", workflow);
    expect(runEvent(payload).workflow).toBe(expected);
  });
});
