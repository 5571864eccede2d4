/** POST /webhooks/gitlab through handleWebhook: the in-memory store, a recording Slack, a test clock. */
import { afterEach, describe, expect, it } from "vitest";
import { failedRunPayload } from "../../../samples/github.ts";
import {
  build,
  CI_VARIABLE_VALUE,
  canceledPipeline,
  failedBuildPipeline,
  failedDeployPipeline,
  GITLAB_PREVIOUS_TOKEN,
  GITLAB_SIGNING_TOKEN,
  GITLAB_TEST_TOKEN,
  type GitlabHeaderOptions,
  gitlabBody,
  gitlabHeaders,
  passedWithWarningsPipeline,
  pipelinePayload,
  skippedPipeline,
} from "../../../samples/gitlab.ts";
import { gitlabSource } from "../../../src/sources/gitlab/gitlab-source.ts";
import {
  baseEnv,
  type Env,
  expectLogged,
  expectNothingSecret,
  expectStoreUntouched,
  github,
  type Harness,
  harnesses,
  webhookHarness,
} from "../support.ts";

const env: Env = { ...baseEnv, GITLAB_WEBHOOK_TOKEN: GITLAB_TEST_TOKEN };
const signingEnv: Env = { ...env, GITLAB_SIGNING_TOKEN: GITLAB_SIGNING_TOKEN };
const SIGNED_HEADERS = ["x-gitlab-token", "webhook-signature"];

afterEach(() => {
  for (const h of harnesses.splice(0)) {
    expectNothingSecret(h);
    const text = h.logs.text() + JSON.stringify(h.slack.attempts);
    for (const secret of [
      GITLAB_TEST_TOKEN,
      GITLAB_PREVIOUS_TOKEN,
      GITLAB_SIGNING_TOKEN,
      CI_VARIABLE_VALUE,
    ]) {
      expect(text, `log or message contains ${secret}`).not.toContain(secret);
    }
  }
});

let pipelines = 0;
/** A fresh pipeline id per call. */
const pipelineId = (): number => 2_000_000 + ++pipelines;

interface PostOptions extends GitlabHeaderOptions {
  headers?: Record<string, string | null>;
  method?: string;
}

const post = async (h: Harness, payload: object | string, options: PostOptions = {}) => {
  const body = typeof payload === "string" ? payload : gitlabBody(payload as Record<string, unknown>);
  const headers = new Headers(gitlabHeaders(body, options));
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  // What must never reach the log: the token and the signature, checked by expectNothingSecret.
  for (const name of SIGNED_HEADERS) {
    const value = headers.get(name);
    if (value !== null) h.seen.push(value.replace(/^v1,/, ""));
  }
  const method = options.method ?? "POST";
  const request = new Request("https://vigie.example/webhooks/gitlab", {
    method,
    headers,
    ...(method === "GET" ? {} : { body }),
  });
  return h.post(request, gitlabSource);
};

const SENT = ["notified", "queued"];

/** The rules every source shares (methods, secrets unset and rotated, body limits, broken bodies) are in
 * handle-webhook.test.ts's table, GitLab included; here what only GitLab does. */
describe("handleWebhook, GitLab", () => {
  it.each<[string, PostOptions]>([
    ["no X-Gitlab-Token", { token: null }],
    ["a wrong token", { token: "guess" }],
    ["an empty token", { token: "" }],
    ["the token with a newline", { headers: { "x-gitlab-token": `${GITLAB_TEST_TOKEN} x` } }],
    ["a 10 KB token", { token: "t".repeat(10_000) }],
  ])("%s → 401, never 500, nothing stored", async (_what, options) => {
    const h = webhookHarness(env);
    const answer = await post(h, failedBuildPipeline({ pipelineId: pipelineId() }), options);
    expect(answer).toMatchObject({ status: 401, body: { code: "signature_invalid" } });
    expectStoreUntouched(h);
    const line = expectLogged(h, { decision: "signature_invalid", status: 401, source: "gitlab" });
    expect(String(line.hint)).toContain("GITLAB_WEBHOOK_TOKEN");
  });

  it.each<[string, PostOptions]>([
    ["no signature headers at all", {}],
    ["no webhook-signature", { signingToken: GITLAB_SIGNING_TOKEN, headers: { "webhook-signature": null } }],
    ["no webhook-timestamp", { signingToken: GITLAB_SIGNING_TOKEN, headers: { "webhook-timestamp": null } }],
    ["no webhook-id", { signingToken: GITLAB_SIGNING_TOKEN, headers: { "webhook-id": null } }],
    ["garbage signature", { signingToken: GITLAB_SIGNING_TOKEN, headers: { "webhook-signature": "v1,@@@" } }],
    [
      "timestamp not a number",
      { signingToken: GITLAB_SIGNING_TOKEN, headers: { "webhook-timestamp": "soon" } },
    ],
    [
      "a stale timestamp (replay)",
      { signingToken: GITLAB_SIGNING_TOKEN, timestamp: Math.floor(Date.now() / 1000) - 900 },
    ],
    ["signed by another token", { signingToken: `whsec_${Buffer.alloc(32, 9).toString("base64")}` }],
    ["a good signature but a wrong X-Gitlab-Token", { signingToken: GITLAB_SIGNING_TOKEN, token: "guess" }],
  ])("with GITLAB_SIGNING_TOKEN set: %s → 401, nothing stored", async (_what, options) => {
    const h = webhookHarness(signingEnv);
    const answer = await post(h, failedBuildPipeline({ pipelineId: pipelineId() }), options);
    expect(answer).toMatchObject({ status: 401, body: { code: "signature_invalid" } });
    expectStoreUntouched(h);
    const line = expectLogged(h, { decision: "signature_invalid", status: 401 });
    expect(String(line.hint)).toContain("GITLAB_SIGNING_TOKEN");
  });

  it("with GITLAB_SIGNING_TOKEN set: token and valid signature → processed", async () => {
    const h = webhookHarness(signingEnv);
    const answer = await post(h, failedBuildPipeline({ pipelineId: pipelineId() }), {
      signingToken: GITLAB_SIGNING_TOKEN,
    });
    expect(SENT).toContain(answer.body.status);
    expect(h.slack.attempts).toHaveLength(1);
  });

  it("a malformed GITLAB_SIGNING_TOKEN → 500 naming the variable, not its value", async () => {
    const h = webhookHarness({ ...env, GITLAB_SIGNING_TOKEN: "not-a-whsec-token" });
    const answer = await post(h, failedBuildPipeline({ pipelineId: pipelineId() }));
    expect(answer.status).toBe(500);
    expect(JSON.stringify(answer.body)).toContain("GITLAB_SIGNING_TOKEN");
    expect(h.logs.text()).not.toContain("not-a-whsec-token");
    expectStoreUntouched(h);
  });

  it.each(["Job Hook", "Push Hook", "Deployment Hook"])(
    "X-Gitlab-Event %s → 200 ignored, telling to tick only Pipeline events, nothing stored",
    async (event) => {
      const h = webhookHarness(env);
      const answer = await post(h, failedBuildPipeline({ pipelineId: pipelineId() }), { event });
      expect(answer).toMatchObject({ status: 200, body: { status: "ignored" } });
      expect(String(answer.body.reason)).toContain('tick only "Pipeline events"');
      expectStoreUntouched(h);
    },
  );

  it("no X-Gitlab-Event → 400", async () => {
    const h = webhookHarness(env);
    const answer = await post(h, failedBuildPipeline({ pipelineId: pipelineId() }), { event: null });
    expect(answer).toMatchObject({ status: 400, body: { code: "bad_request" } });
    expectStoreUntouched(h);
  });

  it("a wrong shape → 400 naming the field; nothing stored", async () => {
    const h = webhookHarness(env);
    const wrong = {
      ...failedBuildPipeline(),
      project: { id: "x", path_with_namespace: "a/b", web_url: "u" },
    };
    const answer = await post(h, wrong);
    expect(answer.status).toBe(400);
    expect(answer.body.reason).toContain("project.id");
    expectStoreUntouched(h);
  });

  it("the delivery is logged under its Idempotency-Key", async () => {
    const h = webhookHarness(env);
    await post(h, pipelinePayload({ status: "running", pipelineId: pipelineId() }), {
      idempotencyKey: "f00d-1",
    });
    expectLogged(h, { delivery: "f00d-1", event: "Pipeline Hook", source: "gitlab", decision: "ignored" });
  });

  describe("every status × policy", () => {
    it.each(["created", "waiting_for_resource", "preparing", "pending", "running", "manual", "scheduled"])(
      "%s → 200 ignored, no state",
      async (status) => {
        const h = webhookHarness(env);
        const answer = await post(h, pipelinePayload({ status, pipelineId: pipelineId() }));
        expect(answer).toMatchObject({ status: 200, body: { status: "ignored" } });
        expect(String(answer.body.reason)).toContain("only finished pipelines");
        expectStoreUntouched(h);
      },
    );

    it.each([
      ["canceled", canceledPipeline],
      ["canceling", (o: object) => canceledPipeline({ status: "canceling", finishedAt: null, ...o })],
      ["skipped", skippedPipeline],
    ] as const)("%s → 200 ignored, silent, no state", async (_status, make) => {
      const h = webhookHarness(env);
      const answer = await post(h, make({ pipelineId: pipelineId() }));
      expect(answer).toMatchObject({ status: 200, body: { status: "ignored" } });
      expect(String(answer.body.reason)).toMatch(/stays silent/);
      expectStoreUntouched(h);
    });

    it("failed → one message naming the failed job and its stage", async () => {
      const h = webhookHarness(env);
      const answer = await post(h, failedDeployPipeline({ pipelineId: pipelineId() }));
      expect(answer.status).toBeLessThan(300);
      expect(SENT).toContain(answer.body.status);
      expect(h.slack.attempts).toHaveLength(1);
      const message = JSON.stringify(h.slack.attempts[0]);
      expect(message).toContain("deploy › upload");
      expect(message).toContain("runner_system_failure");
      expect(message).toContain("acme/sites/docs");
    });

    it("success without an open episode → 200 ignored; an allow_failure job failing leaves it a success", async () => {
      const h = webhookHarness(env);
      const answer = await post(h, passedWithWarningsPipeline({ pipelineId: pipelineId() }));
      expect(answer).toMatchObject({ status: 200, body: { status: "ignored" } });
      expect(h.slack.attempts).toHaveLength(0);
    });
  });

  it("canceled while an episode is open changes nothing: the next success still recovers it", async () => {
    const h = webhookHarness(env);
    await post(h, failedBuildPipeline({ pipelineId: pipelineId() }));
    const before = JSON.stringify(h.store.snapshot());
    expect((await post(h, canceledPipeline({ pipelineId: pipelineId() }))).body.status).toBe("ignored");
    expect(JSON.stringify(h.store.snapshot())).toBe(before);
    h.advance(60_000);
    const recovered = await post(
      h,
      pipelinePayload({ pipelineId: pipelineId(), finishedAt: "2026-11-27 10:30:00 UTC" }),
    );
    expect(SENT).toContain(recovered.body.status);
    expect(h.slack.attempts).toHaveLength(2);
    expect(JSON.stringify(h.slack.attempts[1])).toContain("Recovered");
  });

  it("GitLab's retry of one delivery (same Idempotency-Key, same body) → 200 duplicate, one message", async () => {
    const h = webhookHarness(env);
    const payload = failedBuildPipeline({ pipelineId: pipelineId() });
    expect(SENT).toContain((await post(h, payload, { idempotencyKey: "retry-1" })).body.status);
    const again = await post(h, payload, { idempotencyKey: "retry-1" });
    expect(again).toMatchObject({ status: 200, body: { status: "duplicate" } });
    // A second hook (group and project both subscribed) delivers it under another key: a duplicate too.
    expect((await post(h, payload)).body.status).toBe("duplicate");
    expect(h.slack.attempts).toHaveLength(1);
  });

  it("a pipeline retried and failing again → one more failed run of the open episode, no second message", async () => {
    const h = webhookHarness(env);
    const id = pipelineId();
    await post(h, failedBuildPipeline({ pipelineId: id }));
    h.advance(600_000);
    const retried = await post(
      h,
      failedBuildPipeline({
        pipelineId: id,
        finishedAt: "2026-11-27 10:10:00 UTC",
        builds: [
          build({
            id: 9101,
            stage: "build",
            name: "hugo",
            status: "failed",
            failure_reason: "script_failure",
          }),
        ],
      }),
    );
    expect(retried).toMatchObject({ status: 200, body: { status: "suppressed" } });
    expect(String(retried.body.reason)).toContain("2 failed runs");
    expect(h.slack.attempts).toHaveLength(1);
  });

  it("success after a failure → one recovery message (the pipeline retried until green, same id)", async () => {
    const h = webhookHarness(env);
    const id = pipelineId();
    await post(h, failedBuildPipeline({ pipelineId: id }));
    h.advance(600_000);
    const recovered = await post(
      h,
      pipelinePayload({ pipelineId: id, finishedAt: "2026-11-27 10:10:00 UTC" }),
    );
    expect(SENT).toContain(recovered.body.status);
    expect(String(recovered.body.reason)).toContain("recovered after 1 failed run");
    expect(h.slack.attempts).toHaveLength(2);
  });

  it("the same commit failing on GitHub and on GitLab → one message (folded by sha)", async () => {
    const h = webhookHarness(env);
    const sha = "abcdef1234567890abcdef1234567890abcdef12";
    const gh = await github.signed(failedRunPayload({ repo: "acme/docs", runId: 81, sha }));
    expect(SENT).toContain((await h.post(gh.request(), github.source)).body.status);
    const answer = await post(h, failedBuildPipeline({ pipelineId: pipelineId(), sha }));
    expect(answer).toMatchObject({ status: 200, body: { status: "suppressed" } });
    expect(String(answer.body.reason)).toContain("folded");
    expect(h.slack.attempts).toHaveLength(1);
  });

  it("BRANCHES filters GitLab pipelines by branch; a tag pipeline has no branch", async () => {
    const h = webhookHarness({ ...env, BRANCHES: "main" });
    const feature = await post(h, failedBuildPipeline({ pipelineId: pipelineId(), ref: "feature/x" }));
    expect(feature.body).toMatchObject({ status: "ignored", reason: expect.stringContaining("BRANCHES") });
    const tag = await post(h, failedBuildPipeline({ pipelineId: pipelineId(), ref: "v1.0.0", tag: true }));
    expect(tag.body.status).toBe("ignored");
    expect(h.slack.attempts).toHaveLength(0);
  });
});
