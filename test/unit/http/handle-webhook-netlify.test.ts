import { afterEach, describe, expect, it } from "vitest";
import { failedRunPayload } from "../../../samples/github.ts";
import {
  cancelledDeploy,
  failedDeploy,
  LOG_ACCESS_TOKEN,
  NETLIFY_TEST_SECRET,
  type NetlifyDeployJson,
  netlifyBody,
  readyDeploy,
  SKEW_PROTECTION_TOKEN,
  signNetlify,
  signNetlifyHs512,
  signNetlifyRs256,
  skippedDeploy,
  unsignedNetlifyToken,
} from "../../../samples/netlify.ts";
import {
  baseEnv,
  expectLogged,
  expectNothingSecret,
  expectStoreUntouched,
  github,
  harnesses,
  netlify,
  webhookHarness,
} from "../support.ts";

afterEach(() => {
  for (const h of harnesses.splice(0)) expectNothingSecret(h);
});

let deploys = 0;
/** A fresh deploy id, so that two deploys of a test are never the same event. */
const deployId = (): string => `5e0c1a2b3c4d5e6f${String(++deploys).padStart(8, "0")}`;

const postSigned = async (deploy: object, options: { event?: string } = {}) => {
  const h = webhookHarness(baseEnv);
  const signed = await netlify.signed(deploy, options);
  const answer = await h.post(signed.request(), netlify.source);
  return { h, signed, answer };
};

describe("handleWebhook, Netlify", () => {
  it.each<{ what: string; deploy: () => NetlifyDeployJson }>([
    { what: "a cancelled build (Canceled build)", deploy: () => cancelledDeploy({ id: deployId() }) },
    {
      what: "a build skipped by the ignore command (Canceled build due to no content change)",
      deploy: () => skippedDeploy({ id: deployId() }),
    },
    {
      what: "the same skip without the stage prefix",
      deploy: () =>
        failedDeploy({ id: deployId(), error_message: "Canceled build due to no content change" }),
    },
  ])("$what → 200 ignored, no store, no message", async ({ deploy }) => {
    const { h, signed, answer } = await postSigned(deploy());
    expect(answer).toMatchObject({ status: 200, body: { status: "ignored", reason: expect.any(String) } });
    expectStoreUntouched(h);
    expectLogged(h, { decision: "ignored", status: 200, delivery: signed.delivery, source: "netlify" });
  });

  it("a cancelled build stays silent even while the site's stream has an open episode", async () => {
    const h = webhookHarness(baseEnv);
    await h.post((await netlify.signed(failedDeploy({ id: deployId() }))).request(), netlify.source);
    const cancelled = await h.post(
      (await netlify.signed(cancelledDeploy({ id: deployId() }))).request(),
      netlify.source,
    );
    expect(cancelled.body.status).toBe("ignored");
    expect(h.slack.attempts).toHaveLength(1);
  });

  it("a 'Deploy started' notification (X-Netlify-Event deploy_building) → 200 ignored, no store", async () => {
    const { h, answer } = await postSigned(readyDeploy({ id: deployId(), state: "building" }), {
      event: "deploy_building",
    });
    expect(answer).toMatchObject({ status: 200, body: { status: "ignored" } });
    expectStoreUntouched(h);
  });

  it("a real build failure → 200 notified, one message with the site, the error, and no log token", async () => {
    const deploy = failedDeploy({ id: deployId(), name: "acme-handbook" });
    const { h, signed, answer } = await postSigned(deploy);
    expect(answer).toMatchObject({ status: 200, body: { status: "notified" } });
    expect(h.slack.attempts).toHaveLength(1);
    const message = JSON.stringify(h.slack.messages[0]);
    expect(message).toContain("acme-handbook");
    expect(message).toContain("Build script returned non-zero exit code: 2");
    expect(message).not.toContain(LOG_ACCESS_TOKEN);
    expectLogged(h, { decision: "notified", status: 200, delivery: signed.delivery, site: "acme-handbook" });
    // The token is dropped at parsing: not in the store either.
    const stored = JSON.stringify(h.store.snapshot());
    expect(stored).not.toContain(LOG_ACCESS_TOKEN);
    expect(stored).not.toContain(SKEW_PROTECTION_TOKEN);
  });

  it("skipped because the account's credits ran out is a real failure (nothing deploys until someone acts)", async () => {
    const deploy = failedDeploy({
      id: deployId(),
      error_message: "Skipped due to account credit usage exceeded",
    });
    const { h, answer } = await postSigned(deploy);
    expect(answer).toMatchObject({ status: 200, body: { status: "notified" } });
    expect(h.slack.messages).toHaveLength(1);
  });

  it("the same deploy notified twice → 200 duplicate, one message", async () => {
    const h = webhookHarness(baseEnv);
    const signed = await netlify.signed(failedDeploy({ id: deployId() }));
    expect((await h.post(signed.request(), netlify.source)).body.status).toBe("notified");
    // Re-signed (a second "Deploy failed" hook on the same site): same deploy, same event.
    const again = await netlify.signed(JSON.parse(signed.body) as object);
    expect(await h.post(again.request(), netlify.source)).toMatchObject({
      status: 200,
      body: { status: "duplicate" },
    });
    expect(h.slack.attempts).toHaveLength(1);
  });

  it("a forged notification (signed with another secret) → 401, nothing stored, no message", async () => {
    const h = webhookHarness(baseEnv);
    const forged = await netlify.signed(failedDeploy({ id: deployId() }), { secret: "someone-elses-secret" });
    const answer = await h.post(forged.request(), netlify.source);
    expect(answer).toMatchObject({ status: 401, body: { status: "error", code: "signature_invalid" } });
    expectStoreUntouched(h);
    const line = expectLogged(h, { decision: "signature_invalid", status: 401, delivery: forged.delivery });
    expect(JSON.stringify(line)).toContain("NETLIFY_WEBHOOK_SECRET");
  });

  const otherBody = netlifyBody(failedDeploy({ id: "ffffffffffffffffffffffff" }));
  it.each<{ what: string; token: (body: string) => Promise<string> | string }>([
    { what: "empty", token: () => "" },
    { what: "garbage", token: () => "garbage" },
    { what: "three empty parts", token: () => ".." },
    { what: "garbage JWS (a.b.c)", token: () => "a.b.c" },
    { what: "alg none, no signature", token: (body) => unsignedNetlifyToken(body) },
    {
      what: "alg none with the HS256 signature kept",
      token: async (body) => {
        const [, payload, signature] = (await signNetlify(NETLIFY_TEST_SECRET, body)).split(".");
        return `${unsignedNetlifyToken(body).split(".")[0]}.${payload}.${signature}`;
      },
    },
    { what: "HS512 with the right secret", token: (body) => signNetlifyHs512(NETLIFY_TEST_SECRET, body) },
    { what: "RS256 by some key pair", token: (body) => signNetlifyRs256(body) },
    {
      what: "issuer not netlify",
      token: (body) => signNetlify(NETLIFY_TEST_SECRET, body, { iss: "github" }),
    },
    { what: "no issuer", token: (body) => signNetlify(NETLIFY_TEST_SECRET, body, { iss: undefined }) },
    {
      what: "no sha256 claim",
      token: (body) => signNetlify(NETLIFY_TEST_SECRET, body, { sha256: undefined }),
    },
    {
      what: "sha256 claim a number",
      token: (body) => signNetlify(NETLIFY_TEST_SECRET, body, { sha256: 42 }),
    },
    { what: "sha256 of another body", token: () => signNetlify(NETLIFY_TEST_SECRET, otherBody) },
    { what: "expired", token: (body) => signNetlify(NETLIFY_TEST_SECRET, body, { exp: 1_000_000_000 }) },
    { what: "a GitHub signature", token: (body) => github.sign(NETLIFY_TEST_SECRET, body) },
    { what: "5 KB of base64url", token: () => `${"eyJ".repeat(600)}.${"a".repeat(3000)}.${"b".repeat(500)}` },
    {
      what: "a valid token with 5 KB of junk appended",
      token: async (body) => `${await signNetlify(NETLIFY_TEST_SECRET, body)}${"A".repeat(5120)}`,
    },
  ])("X-Webhook-Signature $what → 401, never 500, nothing stored", async ({ token }) => {
    const h = webhookHarness(baseEnv);
    const body = netlifyBody(failedDeploy({ id: deployId() }));
    const answer = await h.post(
      netlify.request(body, { signature: await token(body), event: "deploy_failed" }),
      netlify.source,
    );
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ status: "error", code: "signature_invalid" });
    expectStoreUntouched(h);
  });

  it.each<{ what: string; change: Record<string, unknown>; field: string }>([
    { what: "id a number", change: { id: 42 }, field: "id" },
    { what: "site_id missing", change: { site_id: undefined }, field: "site_id" },
    { what: "name empty", change: { name: "" }, field: "name" },
    { what: "state null", change: { state: null }, field: "state" },
    { what: "branch a number", change: { branch: 7 }, field: "branch" },
  ])("wrong shape ($what) → 400 naming the field, nothing stored", async ({ change, field }) => {
    const deploy: Record<string, unknown> = { ...failedDeploy({ id: deployId() }), ...change };
    for (const [key, value] of Object.entries(change)) if (value === undefined) delete deploy[key];
    const { h, answer } = await postSigned(deploy);
    expect(answer).toMatchObject({ status: 400, body: { status: "error", code: "bad_request" } });
    expect(answer.body.reason).toContain(field);
    expectStoreUntouched(h);
    expectLogged(h, { decision: "bad_request", status: 400 });
  });

  it("a 'Deploy succeeded' after a failure closes the episode with one recovery message", async () => {
    const h = webhookHarness(baseEnv);
    await h.post((await netlify.signed(failedDeploy({ id: deployId() }))).request(), netlify.source);
    const recovered = await h.post(
      (
        await netlify.signed(readyDeploy({ id: deployId(), updated_at: "2026-11-20T10:30:00.000Z" }))
      ).request(),
      netlify.source,
    );
    expect(recovered).toMatchObject({ status: 200, body: { status: "notified" } });
    expect(h.slack.messages).toHaveLength(2);
  });

  it("a GitHub failure and a Netlify failure of the same commit → one message", async () => {
    const h = webhookHarness(baseEnv);
    const deploy = failedDeploy({ id: deployId() });
    const fromGithub = await h.post(
      (await github.signed(failedRunPayload({ sha: deploy.commit_ref as string }))).request(),
      github.source,
    );
    expect(fromGithub.body.status).toBe("notified");
    const fromNetlify = await h.post((await netlify.signed(deploy)).request(), netlify.source);
    expect(fromNetlify).toMatchObject({ status: 200, body: { status: "suppressed" } });
    expect(h.slack.attempts).toHaveLength(1);
  });
});
