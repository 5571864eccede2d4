import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  eventExamples,
  failedRunPayload,
  githubRequest,
  runPayload,
  withField,
} from "../../../samples/github.ts";
import { handleWebhook } from "../../../src/http/handle-webhook.ts";
import { slackAnswers } from "../fake-slack.ts";
import {
  baseEnv,
  type Env,
  expectLogged,
  expectNothingSecret,
  expectStoreUntouched,
  GITHUB_PREVIOUS_SECRET,
  GITHUB_SECRET,
  github,
  gitlab,
  harnesses,
  netlify,
  SECRETS,
  type SourceCase,
  sources,
  webhookHarness,
  withPrevious,
} from "../support.ts";

afterEach(() => {
  for (const h of harnesses.splice(0)) expectNothingSecret(h);
});

const other = (c: SourceCase): SourceCase => (c === github ? netlify : github);
const bytesOf = (text: string): number => new TextEncoder().encode(text).byteLength;
const storedKeys = (snapshot: Record<string, unknown>, prefix: string) =>
  Object.keys(snapshot).filter((key) => key.startsWith(prefix));
const outboxEntries = (snapshot: Record<string, unknown>) =>
  storedKeys(snapshot, "outbox/").map(
    (key) => snapshot[key] as { state: string; attempts: number; lastError: string },
  );

/** A body of `chunks` × 64 KiB that records how much of it was pulled; no Content-Length. */
const streamedBody = (chunks: number) => {
  const record = { pulls: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        record.pulls++;
        controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
        if (record.pulls >= chunks) controller.close();
      },
      cancel() {
        record.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, record };
};

/** The same bytes, as a stream without Content-Length (a chunked upload). */
const asStream = (text: string): ReadableStream<Uint8Array> => {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (let offset = 0; offset < bytes.byteLength; offset += 1000) {
        controller.enqueue(bytes.slice(offset, offset + 1000));
      }
      controller.close();
    },
  });
};

describe("handleWebhook, rules shared by both sources", () => {
  const methodCases = sources.flatMap((c) =>
    ["GET", "PUT", "DELETE", "PATCH"].map((method) => ({ c, method })),
  );

  it.each(methodCases)(
    "$c.name: $method → 405 with Allow: POST, before the secret and config checks",
    async ({ c, method }) => {
      // No secret and a broken variable: the method is still checked first.
      const h = webhookHarness({ STORM_THRESHOLD: "abc" });
      const answer = await h.post(c.request(method === "GET" ? null : "{}", { method }), c.source);
      expect(answer.status).toBe(405);
      expect(answer.headers.get("allow")).toBe("POST");
      expect(answer.body).toMatchObject({ status: "error", code: "method_not_allowed" });
      expectStoreUntouched(h);
      expectLogged(h, { msg: "delivery", decision: "method_not_allowed", status: 405, source: c.name });
    },
  );

  const missingSecretCases = sources.flatMap((c) => [
    { c, how: "unset", value: undefined },
    { c, how: "empty", value: "" },
  ]);

  it.each(missingSecretCases)(
    "$c.name: secret $how → 500 secret_missing naming the variable; the other source still works",
    async ({ c, value }) => {
      const h = webhookHarness({ ...baseEnv, [c.secretVariable]: value });
      const refused = await h.post((await c.signed(c.failure())).request(), c.source);
      expect(refused.status).toBe(500);
      expect(refused.body).toMatchObject({ status: "error", code: "secret_missing" });
      expect(refused.body.reason).toContain(c.secretVariable);
      expectStoreUntouched(h);
      const line = expectLogged(h, {
        decision: "secret_missing",
        status: 500,
        level: "error",
        source: c.name,
      });
      expect(JSON.stringify(line)).toContain(c.secretVariable);

      const o = other(c);
      const served = await h.post((await o.signed(o.failure())).request(), o.source);
      expect(served).toMatchObject({ status: 200, body: { status: "notified" } });
      expect(h.slack.messages).toHaveLength(1);
    },
  );

  it.each(sources)(
    "$name: only the _PREVIOUS secret set → still 500 secret_missing (fail closed)",
    async (c) => {
      // The contract: the current secret "unset or empty: every request gets 500"; _PREVIOUS is only "also accepted".
      const h = webhookHarness({
        ...baseEnv,
        [c.secretVariable]: "",
        [c.previousVariable]: c.previousSecret,
      });
      const answer = await h.post(
        (await c.signed(c.failure(), { secret: c.previousSecret })).request(),
        c.source,
      );
      expect(answer.status).toBe(500);
      expect(answer.body).toMatchObject({ status: "error", code: "secret_missing" });
      expectStoreUntouched(h);
    },
  );

  it.each(sources)(
    "$name: a missing secret is reported before an oversized body (500 before 413)",
    async (c) => {
      const h = webhookHarness({ ...baseEnv, [c.secretVariable]: undefined, MAX_BODY_BYTES: "64" });
      const answer = await h.post((await c.signed(c.failure())).request(), c.source);
      expect(answer).toMatchObject({ status: 500, body: { code: "secret_missing" } });
    },
  );

  // One wrong setting must not make every delivery answer 500: a core setting falls back to its default and an optional feature is switched off, loudly.
  const fallbacks = [
    { variable: "REMINDER_HOURS", env: { REMINDER_HOURS: "abc" } },
    { variable: "STORM_THRESHOLD", env: { STORM_THRESHOLD: "abc" } },
    { variable: "MAX_BODY_BYTES", env: { MAX_BODY_BYTES: "1MB" } },
    { variable: "NOTIFY_RECOVERY", env: { NOTIFY_RECOVERY: "maybe" } },
    { variable: "NOTIFY_CONCLUSIONS", env: { NOTIFY_CONCLUSIONS: "failure,cancelled" } },
    { variable: "BRANCHES", env: { BRANCHES: ",,," } },
    { variable: "GITHUB_TOKEN", env: { GITHUB_ORG: "acme", GITHUB_HOOK_ID: "1" } },
    { variable: "GITHUB_HOOK_ID", env: { GITHUB_TOKEN: "ghp_x", GITHUB_ORG: "acme" } },
    // Closes the GitLab route only (its own tests): the others go on.
    { variable: "GITLAB_SIGNING_TOKEN", env: { GITLAB_SIGNING_TOKEN: "whsec_abc" } },
  ];
  const fallbackCases = sources.flatMap((c) =>
    fallbacks
      .filter((bad) => c !== gitlab || bad.variable !== "GITLAB_SIGNING_TOKEN")
      .map((bad) => ({ c, ...bad })),
  );

  it.each(fallbackCases)(
    "$c.name: a wrong $variable never stops notifications; an error log line names it",
    async ({ c, variable, env }) => {
      const h = webhookHarness({ ...baseEnv, ...env });
      const answer = await h.post((await c.signed(c.failure())).request(), c.source);
      expect(answer.status).toBe(200);
      expect(answer.body.status).toBe("notified");
      expect(h.slack.messages).toHaveLength(1);
      expect(h.logs.lines).toContainEqual(
        expect.objectContaining({ msg: "configuration problem", variable, level: "error" }),
      );
    },
  );

  it.each(sources)(
    "$name: GITHUB_TOKEN alone (redelivery not configured) notifies, with no problem logged",
    async (c) => {
      const h = webhookHarness({ ...baseEnv, GITHUB_TOKEN: "ghp_x" });
      const answer = await h.post((await c.signed(c.failure())).request(), c.source);
      expect(answer.body.status).toBe("notified");
      expect(h.logs.text()).not.toContain("configuration problem");
    },
  );

  it.each(sources)(
    "$name: an invalid SLACK_WEBHOOK_URL fails closed (500) for a delivery that would send, naming only the variable",
    async (c) => {
      const h = webhookHarness({
        ...baseEnv,
        SLACK_WEBHOOK_URL: "ftp://hooks.slack.com/services/T000/B000/XXXXsecret",
      });
      const answer = await h.post((await c.signed(c.failure())).request(), c.source);
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({
        status: "error",
        code: "config_invalid",
        reason: "SLACK_WEBHOOK_URL is invalid; the function log says why",
      });
      expectStoreUntouched(h);
      const line = expectLogged(h, { decision: "config_invalid", status: 500, level: "error" });
      expect(JSON.stringify(line)).toContain("SLACK_WEBHOOK_URL");
      expect(JSON.stringify(answer.body)).not.toContain("XXXXsecret");
      // A delivery that sends nothing is still answered: the route is not down, only sending is.
      const cancelled = await h.post((await c.signed(c.cancelled())).request(), c.source);
      expect(cancelled.status).toBe(200);
    },
  );

  // Routing that cannot be trusted stops sending like an invalid Slack URL: better no message than one in
  // the wrong channel. A mention map that cannot be read only switches mentions off.
  const closedRouting = [
    { variable: "ROUTES", value: "site:acme/* -> THEMES" },
    { variable: "SLACK_WEBHOOK_URL_THEMES", value: "ftp://hooks.slack.com/services/T000/B000/XXXXsecret" },
  ];
  it.each(sources.flatMap((c) => closedRouting.map((bad) => ({ c, ...bad }))))(
    "$c.name: $variable unusable fails closed (500), naming only the variable",
    async ({ c, variable, value }) => {
      const h = webhookHarness({ ...baseEnv, [variable]: value });
      const answer = await h.post((await c.signed(c.failure())).request(), c.source);
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({
        status: "error",
        code: "config_invalid",
        reason: `${variable} is invalid; the function log says why`,
      });
      expectStoreUntouched(h);
      const line = expectLogged(h, { decision: "config_invalid", status: 500, level: "error" });
      expect(JSON.stringify(line)).toContain(variable);
      expect(h.logs.text()).not.toContain("XXXXsecret");
    },
  );

  it.each(sources)(
    "$name: an unreadable SLACK_MENTIONS switches mentions off; the message still goes",
    async (c) => {
      const h = webhookHarness({ ...baseEnv, SLACK_MENTIONS: "octocat=<!channel>" });
      const answer = await h.post((await c.signed(c.failure())).request(), c.source);
      expect(answer.body.status).toBe("notified");
      expect(h.slack.messages).toHaveLength(1);
      expect(JSON.stringify(h.slack.messages)).not.toContain("<!channel>");
      expect(h.pipelinesBuilt[0]?.problems.map((p) => [p.variable, p.effect])).toContainEqual([
        "SLACK_MENTIONS",
        "off",
      ]);
    },
  );

  it.each(sources)('$name: BRANCHES="main release" and refs/heads/main watch main', async (c) => {
    for (const BRANCHES of ["main release", "refs/heads/main", "release, main"]) {
      const h = webhookHarness({ ...baseEnv, BRANCHES });
      const answer = await h.post((await c.signed(c.failure())).request(), c.source);
      expect(answer.body.status).toBe("notified");
    }
  });

  it.each(sources)(
    "$name: Content-Length over MAX_BODY_BYTES → 413 before a byte is read or a signature checked",
    async (c) => {
      const h = webhookHarness({ ...baseEnv, MAX_BODY_BYTES: "1024" });
      const { stream, record } = streamedBody(4);
      const answer = await h.post(
        c.request(stream, {
          signature: "sha256=forged",
          headers: { "content-length": String(4 * 64 * 1024) },
        }),
        c.source,
      );
      expect(answer.status).toBe(413);
      expect(answer.body).toMatchObject({ status: "error", code: "payload_too_large" });
      expect(record.pulls).toBe(0);
      expectStoreUntouched(h);
      expectLogged(h, { decision: "payload_too_large", status: 413, level: "warn" });
    },
  );

  it.each(sources)(
    "$name: a streamed body without Content-Length is cut off once over the limit → 413",
    async (c) => {
      // Default MAX_BODY_BYTES (1 MiB); 100 × 64 KiB would be 6.4 MiB.
      const h = webhookHarness(baseEnv);
      const { stream, record } = streamedBody(100);
      const answer = await h.post(c.request(stream, { signature: null }), c.source);
      expect(answer.status).toBe(413);
      expect(answer.body).toMatchObject({ status: "error", code: "payload_too_large" });
      expect(record.pulls).toBeLessThanOrEqual(17);
      expectStoreUntouched(h);
      expectLogged(h, { decision: "payload_too_large", status: 413 });
    },
  );

  const limitCases = sources.flatMap((c) => [
    { c, how: "Content-Length", streamed: false },
    { c, how: "streamed", streamed: true },
  ]);

  it.each(limitCases)(
    "$c.name: a correctly signed body one byte over the limit ($how) → 413; at the limit → accepted",
    async ({ c, streamed }) => {
      const signed = await c.signed(c.failure());
      const size = bytesOf(signed.body);
      const send = (h: ReturnType<typeof webhookHarness>) =>
        h.post(
          streamed
            ? signed.request({ body: asStream(signed.body) })
            : signed.request({ headers: { "content-length": String(size) } }),
          c.source,
        );

      const over = webhookHarness({ ...baseEnv, MAX_BODY_BYTES: String(size - 1) });
      expect(await send(over)).toMatchObject({ status: 413, body: { code: "payload_too_large" } });
      expectStoreUntouched(over);

      const at = webhookHarness({ ...baseEnv, MAX_BODY_BYTES: String(size) });
      expect(await send(at)).toMatchObject({ status: 200, body: { status: "notified" } });
    },
  );

  // GitLab's token covers no body: its own tests (handle-webhook-gitlab.test.ts) check the token and the signature.
  const bodySigned = sources.filter((c) => c.signsBody);

  it.each(bodySigned)("$name: missing or wrong signatures → 401, never 500, nothing stored", async (c) => {
    const payload = c.failure();
    const signed = await c.signed(payload);
    const otherBody = await c.signed(c.failure());
    const attempts: Array<[string, Request]> = [
      ["no signature header", signed.request({ signature: null })],
      ["an empty signature header", signed.request({ signature: "" })],
      [
        "signed with another secret",
        signed.request({ signature: await c.sign("not-the-secret", signed.body) }),
      ],
      ["the signature of another body", signed.request({ signature: otherBody.signature })],
      [
        "the other source's signature",
        signed.request({ signature: await other(c).sign(c.secret, signed.body) }),
      ],
    ];
    const h = webhookHarness(baseEnv);
    for (const [what, request] of attempts) {
      const answer = await h.post(request, c.source);
      expect(answer.status, what).toBe(401);
      expect(answer.body, what).toMatchObject({ status: "error", code: "signature_invalid" });
      const line = expectLogged(h, { decision: "signature_invalid", status: 401, delivery: signed.delivery });
      expect(JSON.stringify(line)).toContain(c.secretVariable);
    }
    expectStoreUntouched(h);
  });

  it.each(bodySigned)(
    "$name: the signature is checked over the raw bytes: re-serialised JSON → 401",
    async (c) => {
      const payload = c.failure();
      const signed = await c.signed(payload);
      const h = webhookHarness(baseEnv);
      for (const body of [JSON.stringify(payload, null, 2), `${signed.body}\n`, ` ${signed.body}`]) {
        expect(JSON.parse(body)).toEqual(JSON.parse(signed.body));
        const answer = await h.post(signed.request({ body }), c.source);
        expect(answer.status).toBe(401);
        expect(answer.body).toMatchObject({ code: "signature_invalid" });
      }
      expectStoreUntouched(h);
      // The very bytes that were signed, with the same signature, are accepted.
      expect(await h.post(signed.request(), c.source)).toMatchObject({
        status: 200,
        body: { status: "notified" },
      });
    },
  );

  it.each(sources)("$name: rotation: the _PREVIOUS secret is accepted, as is the current one", async (c) => {
    const h = webhookHarness(withPrevious);
    const byPrevious = await h.post(
      (await c.signed(c.failure(), { secret: c.previousSecret })).request(),
      c.source,
    );
    expect(byPrevious).toMatchObject({ status: 200, body: { status: "notified" } });
    const byCurrent = await h.post((await c.signed(c.failure({ branch: "next" }))).request(), c.source);
    expect(byCurrent).toMatchObject({ status: 200, body: { status: "notified" } });
    const byNeither = await h.post(
      (await c.signed(c.failure(), { secret: "a-third-secret" })).request(),
      c.source,
    );
    expect(byNeither.status).toBe(401);
    expect(h.slack.messages).toHaveLength(2);
  });

  it.each(sources)(
    "$name: the _PREVIOUS secret is not accepted once removed from the environment",
    async (c) => {
      const h = webhookHarness(baseEnv);
      const answer = await h.post(
        (await c.signed(c.failure(), { secret: c.previousSecret })).request(),
        c.source,
      );
      expect(answer.status).toBe(401);
      expectStoreUntouched(h);
    },
  );

  const brokenBodies = [
    { what: "truncated JSON", body: '{"action":"completed","workflow_run":{' },
    { what: "not JSON at all", body: "hello" },
    { what: "a JSON array", body: "[1,2,3]" },
    { what: "a JSON string", body: '"completed"' },
  ];
  const brokenCases = sources.flatMap((c) => brokenBodies.map((broken) => ({ c, ...broken })));

  it.each(brokenCases)("$c.name: $what, signed correctly → 400, nothing stored", async ({ c, body }) => {
    const h = webhookHarness(baseEnv);
    const signed = await c.signed(body);
    const answer = await h.post(signed.request(), c.source);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: "error", code: "bad_request" });
    expect(answer.body.reason).toEqual(expect.any(String));
    expectStoreUntouched(h);
    expectLogged(h, { decision: "bad_request", status: 400, delivery: signed.delivery, level: "warn" });
  });

  it.each(sources)("$name: a real failure → 200 notified, one Slack message naming the site", async (c) => {
    const site = c === github ? "acme/marketing-site" : "acme-handbook";
    const h = webhookHarness(baseEnv);
    const signed = await c.signed(c.failure({ site }));
    const answer = await h.post(signed.request(), c.source);
    expect(answer).toMatchObject({ status: 200, body: { status: "notified", reason: expect.any(String) } });
    expect(h.slack.attempts).toHaveLength(1);
    expect(JSON.stringify(h.slack.messages[0])).toContain(site);
    expect(h.slack.messages[0]?.text).toContain(site);
    expect(h.pipelinesBuilt).toHaveLength(1);
    expect(outboxEntries(h.store.snapshot())).toEqual([
      expect.objectContaining({ state: "sent", attempts: 1 }),
    ]);
    expectLogged(h, { decision: "notified", status: 200, delivery: signed.delivery, site, level: "info" });
  });

  it.each(sources)(
    "$name: the same delivery again, and the same event through a second hook → 200 duplicate, no second send",
    async (c) => {
      const h = webhookHarness(withPrevious);
      const payload = c.failure();
      const signed = await c.signed(payload);
      expect(await h.post(signed.request(), c.source)).toMatchObject({
        status: 200,
        body: { status: "notified" },
      });

      const redelivery = await h.post(signed.request(), c.source);
      expect(redelivery).toMatchObject({ status: 200, body: { status: "duplicate" } });
      expectLogged(h, { decision: "duplicate", status: 200, delivery: signed.delivery });

      // A second hook: another delivery id (GitHub), another secret, same run or deploy.
      const secondHook = await c.signed(payload, { secret: c.previousSecret });
      expect(await h.post(secondHook.request(), c.source)).toMatchObject({
        status: 200,
        body: { status: "duplicate" },
      });
      expectLogged(h, { decision: "duplicate", status: 200, delivery: secondHook.delivery });

      expect(h.slack.attempts).toHaveLength(1);
    },
  );

  it.each(sources)("$name: 20 concurrent copies of one delivery → exactly one Slack send", async (c) => {
    const h = webhookHarness(baseEnv);
    const signed = await c.signed(c.failure());
    const answers = await Promise.all(Array.from({ length: 20 }, () => h.post(signed.request(), c.source)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    const statuses = answers.map((answer) => answer.body.status);
    expect(statuses.filter((status) => status === "notified")).toHaveLength(1);
    expect(statuses.filter((status) => status === "duplicate")).toHaveLength(19);
    expect(h.slack.attempts).toHaveLength(1);
    expect(h.deliveryLines()).toHaveLength(20);
  });

  it.each(sources)(
    "$name: Slack 500 → 202 queued, kept in the outbox; a redelivery after the backoff sends it once",
    async (c) => {
      const h = webhookHarness(baseEnv);
      h.slack.answers.push(slackAnswers.serverError);
      const signed = await c.signed(c.failure());

      const first = await h.post(signed.request(), c.source);
      expect(first).toMatchObject({ status: 202, body: { status: "queued" } });
      expectLogged(h, { decision: "queued", status: 202, delivery: signed.delivery });
      expect(outboxEntries(h.store.snapshot())).toEqual([
        expect.objectContaining({
          state: "pending",
          attempts: 1,
          lastError: slackAnswers.serverError.reason,
        }),
      ]);

      // Within the backoff: no new attempt.
      const early = await h.post(signed.request(), c.source);
      expect(early).toMatchObject({ status: 202, body: { status: "queued" } });
      expect(h.slack.attempts).toHaveLength(1);

      h.advance(5_001);
      const later = await h.post(signed.request(), c.source);
      expect(later).toMatchObject({ status: 200, body: { status: "duplicate" } });
      expect(later.body.reason).toMatch(/sent/);
      expect(h.slack.attempts).toHaveLength(2);
      expect(h.slack.messages).toHaveLength(1);
      expect(outboxEntries(h.store.snapshot())).toEqual([expect.objectContaining({ state: "sent" })]);

      // Sent means done: yet another redelivery sends nothing.
      h.advance(60_000);
      await h.post(signed.request(), c.source);
      expect(h.slack.attempts).toHaveLength(2);
    },
  );

  it.each(sources)(
    "$name: Slack refuses (404 channel_not_found) → 502 failed with the reason; each redelivery tries once more",
    async (c) => {
      const h = webhookHarness(baseEnv);
      h.slack.answers.push(slackAnswers.channelNotFound, slackAnswers.channelNotFound);
      const signed = await c.signed(c.failure());

      const first = await h.post(signed.request(), c.source);
      expect(first).toMatchObject({ status: 502, body: { status: "failed" } });
      expect(first.body.reason).toContain("channel_not_found");
      const line = expectLogged(h, {
        decision: "failed",
        status: 502,
        delivery: signed.delivery,
        level: "error",
      });
      expect(line.reason).toContain("channel_not_found");
      expect(outboxEntries(h.store.snapshot())).toEqual([
        expect.objectContaining({ state: "dead", attempts: 1 }),
      ]);
      expect(h.slack.attempts).toHaveLength(1);

      // A person redelivers: one more try, refused again, no loop.
      const second = await h.post(signed.request(), c.source);
      expect(second.body.reason).toContain("channel_not_found");
      expect(h.slack.attempts).toHaveLength(2);
      expect(outboxEntries(h.store.snapshot())).toEqual([expect.objectContaining({ state: "dead" })]);

      // The channel is fixed, the delivery redelivered once more: sent, exactly once.
      const third = await h.post(signed.request(), c.source);
      expect(third.status).toBe(200);
      expect(h.slack.attempts).toHaveLength(3);
      expect(h.slack.messages).toHaveLength(1);
    },
  );

  it.each(sources)(
    "$name: store unavailable → 503, no Slack call; once it is back, a redelivery notifies",
    async (c) => {
      const h = webhookHarness(baseEnv);
      h.store.fail = true;
      const signed = await c.signed(c.failure());
      const answer = await h.post(signed.request(), c.source);
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ status: "error", code: "store_unavailable" });
      expect(h.slack.attempts).toHaveLength(0);
      expectLogged(h, {
        decision: "store_unavailable",
        status: 503,
        delivery: signed.delivery,
        level: "error",
      });

      h.store.fail = false;
      expect(await h.post(signed.request(), c.source)).toMatchObject({
        status: 200,
        body: { status: "notified" },
      });
      expect(h.slack.attempts).toHaveLength(1);
    },
  );

  it.each(sources)(
    "$name: store failing before the event is recorded → 503, nothing half-written; a redelivery notifies once",
    async (c) => {
      const h = webhookHarness(baseEnv);
      const calls = () => Object.values(h.store.calls).reduce((sum, n) => sum + n, 0);
      const set = h.store.set.bind(h.store);
      // The store goes away after the stream and the ledger were read, before the event is recorded.
      h.store.set = (...args) => {
        if (calls() >= 2) h.store.fail = true;
        return set(...args);
      };
      const signed = await c.signed(c.failure());
      expect(await h.post(signed.request(), c.source)).toMatchObject({
        status: 503,
        body: { code: "store_unavailable" },
      });
      expect(storedKeys(h.store.snapshot(), "streams/")).toHaveLength(0);
      expect(h.slack.attempts).toHaveLength(0);

      h.store.fail = false;
      h.store.set = set;
      h.advance(61_000);
      expect(await h.post(signed.request(), c.source)).toMatchObject({
        status: 200,
        body: { status: "notified" },
      });
      expect(await h.post(signed.request(), c.source)).toMatchObject({
        status: 200,
        body: { status: "duplicate" },
      });
      expect(h.slack.attempts).toHaveLength(1);
    },
  );

  it.each(sources)("$name: an unexpected error → plain 500 whose details reach only the log", async (c) => {
    const h = webhookHarness(baseEnv);
    const deps = {
      ...h.deps,
      pipeline: () => {
        throw new Error("blobs client exploded: token=abc");
      },
    };
    const response = await handleWebhook((await c.signed(c.failure())).request(), c.source, deps);
    expect(response.status).toBe(500);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: "error", code: "internal" });
    expect(JSON.stringify(body)).not.toContain("exploded");
    h.posts++;
    expectLogged(h, { decision: "internal_error", status: 500, level: "error" });
    expect(h.logs.text()).toContain("blobs client exploded");
  });

  it.each(sources)(
    "$name: a Slack sender that throws is a retryable failure → 202 queued, not 500",
    async (c) => {
      const h = webhookHarness(baseEnv);
      h.slack.send = async () => {
        throw new Error("socket hang up");
      };
      const answer = await h.post((await c.signed(c.failure())).request(), c.source);
      expect(answer).toMatchObject({ status: 202, body: { status: "queued" } });
      expect(outboxEntries(h.store.snapshot())).toEqual([expect.objectContaining({ state: "pending" })]);
    },
  );

  it.each(sources)(
    "$name: when the answer budget is spent before Slack could answer in time → 202 queued, Slack not called",
    async (c) => {
      const h = webhookHarness(baseEnv);
      // A slow store: every read and write takes a second, so Slack's own 5 s timeout no longer fits in the 10 s.
      const get = h.store.get.bind(h.store);
      h.store.get = async (key) => {
        h.advance(1_000);
        return get(key);
      };
      const set = h.store.set.bind(h.store);
      h.store.set = async (key, value, condition) => {
        h.advance(1_000);
        return set(key, value, condition);
      };
      const answer = await h.post((await c.signed(c.failure())).request(), c.source);
      expect(answer).toMatchObject({ status: 202, body: { status: "queued" } });
      expect(h.slack.attempts).toHaveLength(0);
      expect(outboxEntries(h.store.snapshot())).toEqual([
        expect.objectContaining({ state: "pending", attempts: 0 }),
      ]);
    },
  );

  it.each(sources)(
    "$name: a cancelled run is answered without the store: 200 ignored even when it is down",
    async (c) => {
      const h = webhookHarness(baseEnv);
      h.store.fail = true;
      const signed = await c.signed(c.cancelled());
      const answer = await h.post(signed.request(), c.source);
      expect(answer).toMatchObject({ status: 200, body: { status: "ignored", reason: expect.any(String) } });
      h.store.fail = false;
      expectStoreUntouched(h);
      expectLogged(h, { decision: "ignored", status: 200, delivery: signed.delivery });
    },
  );

  it.each(sources)(
    "$name: a success with no open episode → 200 ignored, remembered as the stream's newest run, no message",
    async (c) => {
      const h = webhookHarness(baseEnv);
      const answer = await h.post((await c.signed(c.success())).request(), c.source);
      expect(answer).toMatchObject({ status: 200, body: { status: "ignored" } });
      // One write: the stream's newest run, so that an older failure delivered later stays silent.
      expect(h.store.calls.set).toBe(1);
      expect(storedKeys(h.store.snapshot(), "streams/")).toHaveLength(1);
      expect(storedKeys(h.store.snapshot(), "inflight/")).toHaveLength(0);
      expect(h.slack.attempts).toHaveLength(0);
      // Without waitUntil, both halves before the answer: the read, then the new stream written at once.
      expectLogged(h, { decision: "ignored", status: 200, storeCalls: 2 });
    },
  );

  it.each(sources)(
    "$name: BRANCHES: a failure on an unwatched branch → 200 ignored, no store; a watched one notifies",
    async (c) => {
      const h = webhookHarness({ ...baseEnv, BRANCHES: "main,release/*" });
      const unwatched = await h.post(
        (await c.signed(c.failure({ branch: "feature/login" }))).request(),
        c.source,
      );
      expect(unwatched).toMatchObject({ status: 200, body: { status: "ignored" } });
      expect(unwatched.body.reason).toContain("BRANCHES");
      expectStoreUntouched(h);
      expectLogged(h, { decision: "ignored", status: 200 });

      const watched = await h.post(
        (await c.signed(c.failure({ branch: "release/2.0" }))).request(),
        c.source,
      );
      expect(watched).toMatchObject({ status: 200, body: { status: "notified" } });
    },
  );

  it("logs never contain a secret, a signature, the Slack URL or a Netlify log token", async () => {
    const h = webhookHarness(withPrevious);
    h.slack.answers.push(slackAnswers.channelNotFound);
    for (const c of sources) {
      const signed = await c.signed(c.failure());
      await h.post(signed.request({ signature: `${signed.signature}0` }), c.source); // 401
      await h.post(signed.request(), c.source); // 502 (first) or notified
      await h.post(signed.request(), c.source); // duplicate
      await h.post((await c.signed(c.failure(), { secret: c.previousSecret })).request(), c.source);
      await h.post((await c.signed("{broken")).request(), c.source); // 400
    }
    const broken = webhookHarness({ ...withPrevious, SLACK_WEBHOOK_URL: "not a url T000/B000/XXXXsecret" });
    await broken.post((await github.signed(github.failure())).request(), github.source); // config_invalid

    for (const harness of [h, broken]) {
      const text = harness.logs.text();
      expect(text).toContain('"msg":"delivery"'); // not vacuous
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      for (const value of harness.seen) expect(text).not.toContain(value.replace(/^sha256=/, ""));
    }
    expect(h.logs.text()).toContain("channel_not_found");
  });
});

describe("handleWebhook, GitHub", () => {
  const post = async (request: Request, env: Env = baseEnv) => {
    const h = webhookHarness(env);
    return { h, answer: await h.post(request, github.source) };
  };

  it("accepts GitHub's documented known answer (secret, body, signature)", async () => {
    // https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    const signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    const { answer } = await post(github.request("Hello, World!", { signature }), {
      ...baseEnv,
      GITHUB_WEBHOOK_SECRET: "It's a Secret to Everybody",
    });
    // Past the signature: the body is then refused as JSON, not as a signature.
    expect(answer).toMatchObject({ status: 400, body: { code: "bad_request" } });
  });

  it.each<{ what: string; header: (body: string) => Promise<string> | string }>([
    { what: '""', header: () => "" },
    { what: '"sha256="', header: () => "sha256=" },
    { what: "sha1= with a valid SHA-1 HMAC", header: (body) => `sha1=${hmac("sha1", GITHUB_SECRET, body)}` },
    { what: "garbage", header: () => "garbage" },
    { what: "non-hex digits", header: () => `sha256=${"z".repeat(64)}` },
    {
      what: "one digit short",
      header: async (body) => (await github.sign(GITHUB_SECRET, body)).slice(0, -1),
    },
    { what: "one digit more", header: async (body) => `${await github.sign(GITHUB_SECRET, body)}0` },
    {
      what: "upper-case prefix",
      header: async (body) => (await github.sign(GITHUB_SECRET, body)).replace("sha256", "SHA256"),
    },
    {
      what: "two signatures",
      header: async (body) => `${await github.sign(GITHUB_SECRET, body)}, sha256=${"0".repeat(64)}`,
    },
    { what: "the bare hex", header: async (body) => (await github.sign(GITHUB_SECRET, body)).slice(7) },
    { what: "5 KB", header: () => `sha256=${"a".repeat(5 * 1024)}` },
  ])("X-Hub-Signature-256 $what → 401, never 500", async ({ header }) => {
    const body = JSON.stringify(failedRunPayload());
    const { h, answer } = await post(github.request(body, { signature: await header(body) }));
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ status: "error", code: "signature_invalid" });
    expectStoreUntouched(h);
  });

  it("a valid sha1 signature in X-Hub-Signature alone (no X-Hub-Signature-256) → 401", async () => {
    const body = JSON.stringify(failedRunPayload());
    const request = github.request(body, {
      signature: null,
      headers: { "x-hub-signature": `sha1=${hmac("sha1", GITHUB_SECRET, body)}` },
    });
    const { h, answer } = await post(request);
    expect(answer.status).toBe(401);
    expectStoreUntouched(h);
  });

  it("bytes that are not valid UTF-8 are not accepted for the signature of other bytes", async () => {
    // The sender signed a body containing U+FFFD (EF BF BD); the request carries a lone 0xFF byte there.
    // Both decode to the same text, but they are different bytes: the signature is checked "over those bytes".
    const signedText = JSON.stringify(failedRunPayload({ message: "fix \uFFFD" }));
    const signature = await github.sign(GITHUB_SECRET, signedText);
    const signedBytes = new TextEncoder().encode(signedText);
    const at = indexOf(signedBytes, [0xef, 0xbf, 0xbd]);
    const sent = new Uint8Array([...signedBytes.slice(0, at), 0xff, ...signedBytes.slice(at + 3)]);
    const { h, answer } = await post(github.request(sent, { signature }));
    expect(answer.status).toBe(401);
    expectStoreUntouched(h);
  });

  it("missing X-GitHub-Event → 400 naming the header, nothing stored", async () => {
    const signed = await github.signed(failedRunPayload());
    const { h, answer } = await post(signed.request({ event: null }));
    expect(answer).toMatchObject({ status: 400, body: { status: "error", code: "bad_request" } });
    expect(answer.body.reason).toContain("X-GitHub-Event");
    expectStoreUntouched(h);
    expectLogged(h, { decision: "bad_request", status: 400, delivery: signed.delivery });
  });

  it.each<{ what: string; path: string; value: unknown; field: string }>([
    { what: "workflow_run.id a string", path: "workflow_run.id", value: "123", field: "workflow_run.id" },
    { what: "workflow_run.id missing", path: "workflow_run.id", value: undefined, field: "workflow_run.id" },
    { what: "workflow_run missing", path: "workflow_run", value: undefined, field: "workflow_run" },
    { what: "workflow_run an array", path: "workflow_run", value: [], field: "workflow_run" },
    {
      what: "repository.full_name a number",
      path: "repository.full_name",
      value: 7,
      field: "repository.full_name",
    },
    { what: "head_sha null", path: "workflow_run.head_sha", value: null, field: "workflow_run.head_sha" },
    { what: "action missing", path: "action", value: undefined, field: "action" },
  ])("wrong shape ($what) → 400 naming the field, nothing stored", async ({ path, value, field }) => {
    const signed = await github.signed(withField(failedRunPayload(), path, value));
    const { h, answer } = await post(signed.request());
    expect(answer).toMatchObject({ status: 400, body: { status: "error", code: "bad_request" } });
    expect(answer.body.reason).toContain(field);
    expectStoreUntouched(h);
    const line = expectLogged(h, { decision: "bad_request", status: 400 });
    expect(line.reason).toContain(field);
  });

  it("fields vigie does not read may be anything: an unrelated field of the wrong type still notifies", async () => {
    const payload = withField(
      withField(failedRunPayload(), "workflow_run.check_suite_id", "not a number"),
      "sender",
      5,
    );
    const { answer } = await post((await github.signed(payload)).request());
    expect(answer).toMatchObject({ status: 200, body: { status: "notified" } });
  });

  it("ping → 200 pong, no store", async () => {
    const ping = eventExamples("ping")[0] as object;
    const signed = await github.signed(ping, { event: "ping" });
    const { h, answer } = await post(signed.request());
    expect(answer).toMatchObject({ status: 200, body: { status: "pong" } });
    expectStoreUntouched(h);
    expectLogged(h, { decision: "pong", status: 200, delivery: signed.delivery });
  });

  it("an unsigned ping → 401 (the signature comes before routing)", async () => {
    const ping = eventExamples("ping")[0] as object;
    const { answer } = await post(github.request(JSON.stringify(ping), { event: "ping", signature: null }));
    expect(answer.status).toBe(401);
  });

  it.each(["push", "workflow_job"])("%s → 200 ignored, no store", async (event) => {
    const example = eventExamples(event)[0] as object;
    const signed = await github.signed(example, { event });
    const { h, answer } = await post(signed.request());
    expect(answer).toMatchObject({ status: 200, body: { status: "ignored" } });
    expect(answer.body.reason).toContain(event);
    expectStoreUntouched(h);
    expectLogged(h, { decision: "ignored", status: 200, delivery: signed.delivery });
  });

  it.each<{ action: string; conclusion: string | null }>([
    { action: "requested", conclusion: null },
    { action: "in_progress", conclusion: null },
    // Only a completed run has an outcome, whatever else the payload says.
    { action: "requested", conclusion: "failure" },
    { action: "in_progress", conclusion: "failure" },
  ])(
    "workflow_run $action (conclusion $conclusion) → 200 ignored, no store",
    async ({ action, conclusion }) => {
      const payload = failedRunPayload({ action, conclusion });
      payload.workflow_run.status = action === "requested" ? "queued" : "in_progress";
      const signed = await github.signed(payload);
      const { h, answer } = await post(signed.request());
      expect(answer).toMatchObject({ status: 200, body: { status: "ignored" } });
      expect(answer.body.reason).toContain(action);
      expectStoreUntouched(h);
      expectLogged(h, { decision: "ignored", status: 200, delivery: signed.delivery });
    },
  );

  it.each(["cancelled", "skipped", "neutral", "stale", "action_required"])(
    "conclusion %s → 200 ignored, no store",
    async (conclusion) => {
      const { h, answer } = await post((await github.signed(failedRunPayload({ conclusion }))).request());
      expect(answer).toMatchObject({ status: 200, body: { status: "ignored" } });
      expectStoreUntouched(h);
      expectLogged(h, { decision: "ignored", status: 200 });
    },
  );

  it("a cancelled run does not close an open episode: the next failure is counted, not sent again", async () => {
    const h = webhookHarness(baseEnv);
    const failed = await h.post((await github.signed(failedRunPayload())).request(), github.source);
    expect(failed.body.status).toBe("notified");
    await h.post(
      (await github.signed(failedRunPayload({ conclusion: "cancelled" }))).request(),
      github.source,
    );
    const again = await h.post((await github.signed(failedRunPayload())).request(), github.source);
    expect(again).toMatchObject({ status: 200, body: { status: "suppressed" } });
    expect(h.slack.attempts).toHaveLength(1);
  });

  it.each(["timed_out", "startup_failure"])(
    "conclusion %s → notified (default NOTIFY_CONCLUSIONS)",
    async (conclusion) => {
      const { h, answer } = await post((await github.signed(failedRunPayload({ conclusion }))).request());
      expect(answer).toMatchObject({ status: 200, body: { status: "notified" } });
      expect(h.slack.messages).toHaveLength(1);
    },
  );

  it("a re-run (same run id, attempt 2) is a new event counted in the episode, not a duplicate of attempt 1", async () => {
    const h = webhookHarness(baseEnv);
    const runId = 424_242;
    await h.post((await github.signed(failedRunPayload({ runId, attempt: 1 }))).request(), github.source);
    const rerun = await h.post(
      (await github.signed(failedRunPayload({ runId, attempt: 2 }))).request(),
      github.source,
    );
    expect(rerun).toMatchObject({ status: 200, body: { status: "suppressed" } });
    expect(h.slack.attempts).toHaveLength(1);
  });

  it("form-encoded deliveries (payload=...) signed over the form body → notified", async () => {
    const h = webhookHarness(baseEnv);
    const request = await githubRequest({
      payload: failedRunPayload(),
      secret: GITHUB_SECRET,
      encoding: "form",
    });
    expect(await h.post(request, github.source)).toMatchObject({ status: 200, body: { status: "notified" } });
  });

  it("rotation by GITHUB_WEBHOOK_SECRET_PREVIOUS, form-encoded too", async () => {
    const h = webhookHarness(withPrevious);
    const request = await githubRequest({
      payload: failedRunPayload(),
      secret: GITHUB_PREVIOUS_SECRET,
      encoding: "form",
    });
    expect(await h.post(request, github.source)).toMatchObject({ status: 200, body: { status: "notified" } });
  });

  it("a success closes the episode: one recovery message; a success after that is ignored", async () => {
    const h = webhookHarness(baseEnv);
    await h.post(
      (await github.signed(failedRunPayload({ updatedAt: "2024-05-01T12:00:00Z" }))).request(),
      github.source,
    );
    const recovered = await h.post(
      (await github.signed(runPayload({ updatedAt: "2024-05-01T12:10:00Z" }))).request(),
      github.source,
    );
    expect(recovered).toMatchObject({ status: 200, body: { status: "notified" } });
    const later = await h.post(
      (await github.signed(runPayload({ updatedAt: "2024-05-01T12:20:00Z" }))).request(),
      github.source,
    );
    expect(later.body.status).toBe("ignored");
    expect(h.slack.messages).toHaveLength(2);
  });

  // Each GitHub delivery has a GUID from the first byte on: an operator looking at "Recent deliveries"
  // must find the log line of a refused one too (the brief: one line per delivery, with its id).
  it.each<{ what: string; env: Env; request: () => Promise<Request>; status: number }>([
    {
      what: "secret missing (500)",
      env: { ...baseEnv, GITHUB_WEBHOOK_SECRET: undefined },
      request: async () => github.request("{}", { delivery: "d-1" }),
      status: 500,
    },
    {
      what: "body too large (413)",
      env: { ...baseEnv, MAX_BODY_BYTES: "10" },
      request: async () => github.request("{}".padEnd(100), { delivery: "d-1" }),
      status: 413,
    },
  ])(
    "the log line of a delivery refused early ($what) carries its X-GitHub-Delivery",
    async ({ env, request, status }) => {
      const { h, answer } = await post(await request(), env);
      expect(answer.status).toBe(status);
      expectLogged(h, { status, delivery: "d-1" });
    },
  );

  it("an X-GitHub-Delivery that is not an id is not echoed into the log", async () => {
    const signed = await github.signed(failedRunPayload());
    const { h } = await post(signed.request({ delivery: "x\u00ff<script>".repeat(3) }));
    expect(h.logs.text()).not.toContain("<script>");
  });
});

/** Hex HMAC, for signatures GitHub used to send (sha1). */
const hmac = (algorithm: string, secret: string, body: string): string =>
  createHmac(algorithm, secret).update(body).digest("hex");

const indexOf = (haystack: Uint8Array, needle: number[]): number => {
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((byte, j) => haystack[i + j] === byte)) return i;
  }
  throw new Error("needle not found");
};
