/**
 * The GitLab webhook end to end: the real function in Netlify's local runtime (standardwebhooks bundled
 * and run under the runtime's Node), the local Blobs server, the local Slack stand-in. One instance for the
 * file, with GITLAB_SIGNING_TOKEN set so that both checks run on every delivery; every test uses its own
 * project, pipeline ids and commit, so the store (which persists across the file) never mixes two tests.
 *
 * Assertions are on what reaches the Slack stand-in: whether a message goes out before or after the answer
 * (200 "notified" or 202 "queued") is the pipeline's business.
 */
import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { failedRunPayload } from "../../samples/github.ts";
import {
  canceledPipeline,
  failedBuildPipeline,
  failedDeployPipeline,
  GITLAB_SIGNING_TOKEN,
  type PipelineOptions,
  pipelinePayload,
  signGitlab,
} from "../../samples/gitlab.ts";
import { validateMessage } from "../../src/slack/format.ts";
import { vigieTest } from "./fixture.ts";
import { type GitlabPostOptions, postGithub, postGitlab } from "./harness.ts";
import {
  allText,
  asSlackMessage,
  deliveryLines,
  GITHUB_SECRET,
  GITLAB_TOKEN,
  messagesNaming,
  settledNaming,
  slackPath,
  waitForDeliveredNaming,
} from "./support.ts";

/** Every `webhook-signature` sent by this file, to prove none reaches the log. */
const signatures: string[] = [];

const post = async (url: string, payload: object, options: GitlabPostOptions = {}) => {
  const idempotencyKey = options.idempotencyKey ?? randomUUID();
  const timestamp = Math.floor(Date.now() / 1000);
  const text = JSON.stringify(payload);
  signatures.push(signGitlab(GITLAB_SIGNING_TOKEN, idempotencyKey, timestamp, text).replace(/^v1,/, ""));
  return postGitlab(url, text, {
    token: GITLAB_TOKEN,
    signingToken: GITLAB_SIGNING_TOKEN,
    timestamp,
    idempotencyKey,
    ...options,
  });
};

let counter = 0;
/** A project of its own: path, id, pipeline ids from `next()`, one commit sha. */
const project = (name: string) => {
  counter += 1;
  const projectId = 70_000 + counter;
  let pipelines = 0;
  const sha = `${randomUUID().replaceAll("-", "")}${"0".repeat(8)}`.slice(0, 40);
  const path = `acme/it-gitlab-${name}`;
  return {
    path,
    sha,
    options: (extra: PipelineOptions = {}): PipelineOptions => ({
      project: path,
      projectId,
      pipelineId: projectId * 100 + ++pipelines,
      sha,
      ...extra,
    }),
  };
};

/** A failure or recovery answer: sent inline, queued in the outbox, or accepted and processed after the answer. */
const SENT = ["200 notified", "202 queued", "202 accepted"];

const it = vigieTest.override("env", { GITLAB_SIGNING_TOKEN });

describe("POST /webhooks/gitlab, end to end", () => {
  it("a failed pipeline → exactly one valid message naming the project, branch and the failed job", async ({
    vigie,
    slack,
  }) => {
    const p = project("failure");
    const answer = await post(
      vigie.url,
      failedDeployPipeline(p.options({ ref: "release/2.x", name: "Publish" })),
    );
    expect(SENT, answer.text).toContain(`${answer.status} ${answer.json?.status}`);

    await waitForDeliveredNaming(slack, p.path);
    const sent = await settledNaming(slack, p.path, 1_000);
    expect(sent).toHaveLength(1);
    const message = asSlackMessage(sent[0]);
    expect(validateMessage(message)).toEqual([]);
    const text = allText(message);
    expect(text).toContain("Publish failed");
    expect(text).toContain("release/2.x");
    expect(text).toContain(p.sha.slice(0, 7));
    expect(text).toContain("deploy › upload");
    expect(text).toContain("```runner_system_failure```");
    expect(text).toContain(`https://gitlab.com/${p.path}/-/jobs/9012`);
  });

  it("a canceled pipeline → 200 ignored, no message, even while the project's episode is open", async ({
    vigie,
    slack,
  }) => {
    const p = project("canceled");
    const canceled = await post(vigie.url, canceledPipeline(p.options()));
    expect(canceled.status, canceled.text).toBe(200);
    expect(canceled.json?.status).toBe("ignored");
    expect(await settledNaming(slack, p.path, 300)).toHaveLength(0);

    await post(vigie.url, failedBuildPipeline(p.options()));
    await waitForDeliveredNaming(slack, p.path);
    const again = await post(
      vigie.url,
      canceledPipeline(p.options({ finishedAt: "2026-11-27 10:05:00 UTC" })),
    );
    expect(again.json?.status, again.text).toBe("ignored");
    expect(await settledNaming(slack, p.path, 500)).toHaveLength(1);
  });

  it("GitLab's retry of a delivery (same Idempotency-Key, same body) → 200 duplicate, one message", async ({
    vigie,
    slack,
  }) => {
    const p = project("redelivery");
    const payload = failedBuildPipeline(p.options());
    const idempotencyKey = randomUUID();
    const first = await post(vigie.url, payload, { idempotencyKey });
    expect(SENT, first.text).toContain(`${first.status} ${first.json?.status}`);
    await waitForDeliveredNaming(slack, p.path);
    const again = await post(vigie.url, payload, { idempotencyKey });
    expect(again.status, again.text).toBe(200);
    expect(again.json?.status).toBe("duplicate");
    expect(await settledNaming(slack, p.path, 500)).toHaveLength(1);
    // Both are logged under GitLab's Idempotency-Key: the first as handled, the retry as a duplicate.
    const decisions = deliveryLines(vigie, idempotencyKey).map((line) => line.decision);
    expect(decisions).toHaveLength(2);
    expect(decisions[1]).toBe("duplicate");
  });

  it("success after a failure → one recovery message; a retried pipeline failing meanwhile sends nothing", async ({
    vigie,
    slack,
  }) => {
    const p = project("recovery");
    const failed = p.options();
    await post(vigie.url, failedBuildPipeline(failed));
    await waitForDeliveredNaming(slack, p.path);
    // The same pipeline retried and failing again: one more failed run of the open episode.
    const retried = await post(
      vigie.url,
      failedBuildPipeline({ ...failed, finishedAt: "2026-11-27 10:10:00 UTC" }),
    );
    expect(["200 suppressed", "202 accepted"], retried.text).toContain(
      `${retried.status} ${retried.json?.status}`,
    );
    const passed = await post(
      vigie.url,
      pipelinePayload({ ...failed, finishedAt: "2026-11-27 10:20:00 UTC" }),
    );
    expect(SENT, passed.text).toContain(`${passed.status} ${passed.json?.status}`);
    const sent = await waitForDeliveredNaming(slack, p.path, 2);
    expect(sent).toHaveLength(2);
    const recovery = allText(asSlackMessage(sent[1]));
    expect(recovery).toContain("Recovered");
    expect(recovery).toContain("2 failed runs");
    expect(await settledNaming(slack, p.path, 500)).toHaveLength(2);
  });

  it("the same commit failing on GitHub and on GitLab → one message", async ({ vigie, slack }) => {
    const p = project("mirror");
    const repo = `acme/it-github-mirror-${counter}`;
    const github = await postGithub(
      vigie.url,
      failedRunPayload({ repo, runId: 7_300_000_000 + counter, sha: p.sha }),
      {
        secret: GITHUB_SECRET,
      },
    );
    expect(SENT, github.text).toContain(`${github.status} ${github.json?.status}`);
    await waitForDeliveredNaming(slack, repo);
    const gitlab = await post(vigie.url, failedBuildPipeline(p.options()));
    expect(["200 suppressed", "202 accepted"], gitlab.text).toContain(
      `${gitlab.status} ${gitlab.json?.status}`,
    );
    const shortSha = p.sha.slice(0, 7);
    await settledNaming(slack, p.path, 1_000);
    expect(messagesNaming(slack, shortSha)).toHaveLength(1);
    expect(messagesNaming(slack, p.path)).toHaveLength(0);
  });

  it("refuses a wrong token, a missing signature and a stale one with 401; the genuine copy still notifies", async ({
    vigie,
    slack,
  }) => {
    const p = project("refused");
    const payload = failedBuildPipeline(p.options());
    const wrongToken = await post(vigie.url, payload, { token: "not-the-token" });
    expect(wrongToken.status, wrongToken.text).toBe(401);
    const unsigned = await postGitlab(vigie.url, payload, { token: GITLAB_TOKEN });
    expect(unsigned.status, unsigned.text).toBe(401);
    const stale = await post(vigie.url, payload, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect(stale.status, stale.text).toBe(401);
    const garbage = await post(vigie.url, payload, { headers: { "webhook-signature": "v1,%%%" } });
    expect(garbage.status, garbage.text).toBe(401);
    expect(messagesNaming(slack, p.path)).toHaveLength(0);

    const genuine = await post(vigie.url, payload);
    expect(SENT, genuine.text).toContain(`${genuine.status} ${genuine.json?.status}`);
    await waitForDeliveredNaming(slack, p.path);
  });

  it("a Job Hook → 200 ignored, telling to tick only Pipeline events", async ({ vigie, slack }) => {
    const p = project("job-hook");
    const answer = await post(vigie.url, failedBuildPipeline(p.options()), { event: "Job Hook" });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json?.reason).toContain('tick only "Pipeline events"');
    expect(await settledNaming(slack, p.path, 200)).toHaveLength(0);
  });

  it("logs one JSON line per delivery under its Idempotency-Key, and never a token or a signature", ({
    vigie,
    slack,
  }) => {
    const lines = vigie.logLines().filter((line) => line.msg === "delivery" && line.source === "gitlab");
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.filter((line) => line.event === "Pipeline Hook").length).toBeGreaterThan(5);
    const logs = vigie.logs();
    expect(logs).not.toContain(GITLAB_TOKEN);
    expect(logs).not.toContain(GITLAB_SIGNING_TOKEN);
    expect(logs).not.toContain(GITLAB_SIGNING_TOKEN.slice("whsec_".length));
    expect(logs).not.toContain(slackPath(slack));
    expect(signatures.length).toBeGreaterThan(5);
    for (const signature of new Set(signatures)) expect(logs).not.toContain(signature);
  });
});
