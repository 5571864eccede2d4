import { afterEach, describe, expect, it, vi } from "vitest";
import {
  failedBuildPipeline,
  GITLAB_PREVIOUS_SIGNING_TOKEN,
  GITLAB_SIGNING_TOKEN,
  gitlabBody,
  signGitlab,
} from "../../../../samples/gitlab.ts";
import {
  SIGNATURE_TOLERANCE_SECONDS,
  verifySignature,
} from "../../../../src/sources/gitlab/verify-signature.ts";

const body = gitlabBody(failedBuildPipeline());
const ID = "2d2b5e6c-2f0c-4c8e-9a55-0a2a4b6c8d10";
const now = () => Math.floor(Date.now() / 1000);

const signed = (overrides: Record<string, string | null> = {}, token = GITLAB_SIGNING_TOKEN): Headers => {
  const timestamp = now();
  const headers = new Headers({
    "webhook-id": ID,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signGitlab(token, ID, timestamp, body),
  });
  for (const [name, value] of Object.entries(overrides)) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  return headers;
};

const tokens = [GITLAB_SIGNING_TOKEN, GITLAB_PREVIOUS_SIGNING_TOKEN];

afterEach(() => {
  vi.useRealTimers();
});

describe("verifySignature (Standard Webhooks, GitLab's signing token)", () => {
  it("accepts a signature by the current token", () => {
    expect(verifySignature(tokens, body, signed())).toBe(true);
  });

  it("accepts a signature by the previous token (rotation), and no longer once it is removed", () => {
    const headers = signed({}, GITLAB_PREVIOUS_SIGNING_TOKEN);
    expect(verifySignature(tokens, body, headers)).toBe(true);
    expect(verifySignature([GITLAB_SIGNING_TOKEN], body, headers)).toBe(false);
  });

  it("accepts one matching signature among several (space-separated, as the standard allows)", () => {
    const good = signed().get("webhook-signature") as string;
    const headers = signed({ "webhook-signature": `v1,${"A".repeat(43)}= ${good}` });
    expect(verifySignature([GITLAB_SIGNING_TOKEN], body, headers)).toBe(true);
  });

  it.each<[string, Record<string, string | null>]>([
    ["no webhook-signature", { "webhook-signature": null }],
    ["no webhook-id", { "webhook-id": null }],
    ["no webhook-timestamp", { "webhook-timestamp": null }],
    ["an empty signature", { "webhook-signature": "" }],
    [
      "a signature without its version",
      { "webhook-signature": "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" },
    ],
    ["an unknown version", { "webhook-signature": "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" }],
    ["a version and nothing else", { "webhook-signature": "v1," }],
    ["a wrong signature", { "webhook-signature": `v1,${Buffer.alloc(32).toString("base64")}` }],
    ["garbage", { "webhook-signature": "v1,%%%not base64%%%" }],
    ["a huge header", { "webhook-signature": `v1,${"A".repeat(5000)}` }],
    ["another delivery's id", { "webhook-id": "another-id" }],
    ["a timestamp that is not a number", { "webhook-timestamp": "yesterday" }],
    ["a negative timestamp", { "webhook-timestamp": "-1" }],
    ["a timestamp in milliseconds", { "webhook-timestamp": String(Date.now()) }],
    ["a webhook-id with a space", { "webhook-id": "two words" }],
  ])("refuses %s, without throwing", (_what, overrides) => {
    expect(verifySignature(tokens, body, signed(overrides))).toBe(false);
  });

  it("refuses a body other than the one signed (one byte changed)", () => {
    expect(verifySignature(tokens, body.replace("hugo", "hugO"), signed())).toBe(false);
  });

  it("refuses a signature by another signing token", () => {
    const other = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    expect(verifySignature(tokens, body, signed({}, other))).toBe(false);
  });

  it.each([
    ["more than 5 minutes old (a replay)", -SIGNATURE_TOLERANCE_SECONDS - 30, false],
    ["more than 5 minutes ahead", SIGNATURE_TOLERANCE_SECONDS + 30, false],
    ["4 minutes old (clock skew, a slow delivery)", -240, true],
    ["4 minutes ahead", 240, true],
  ])("a timestamp %s → %s", (_what, offset, expected) => {
    const timestamp = now() + offset;
    const headers = new Headers({
      "webhook-id": ID,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signGitlab(GITLAB_SIGNING_TOKEN, ID, timestamp, body),
    });
    expect(verifySignature(tokens, body, headers)).toBe(expected);
  });

  it("reads whsec_ tokens as the standard does: Standard Webhooks' own known answer", () => {
    // The test vector of the Standard Webhooks libraries (secret, msg id, timestamp, payload, signature):
    // https://github.com/standard-webhooks/standard-webhooks/blob/main/libraries/javascript/src/webhook.test.ts
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const payload = '{"test": 2432232314}';
    const timestamp = 1614265330;
    const expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    expect(signGitlab(secret, id, timestamp, payload)).toBe(expected);
    // The library reads the clock itself: put it at the vector's time to verify it end to end.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(timestamp * 1000);
    const headers = new Headers({
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": expected,
    });
    expect(verifySignature([secret], payload, headers)).toBe(true);
    expect(verifySignature([secret.replace("whsec_", "whsec_A")], payload, headers)).toBe(false);
  });

  it("throws when asked without any signing token", () => {
    expect(() => verifySignature([], body, signed())).toThrow(TypeError);
  });
});
