import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifySlackSignature } from "../../../src/slack-actions/verify-slack-signature.ts";

// Slack's documented example (https://docs.slack.dev/authentication/verifying-requests-from-slack).
const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const TIMESTAMP = "1531420618";
const BODY =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
const AT = Number(TIMESTAMP) * 1000;

const headers = (timestamp: string | null, signature: string | null) => {
  const h = new Headers();
  if (timestamp !== null) h.set("x-slack-request-timestamp", timestamp);
  if (signature !== null) h.set("x-slack-signature", signature);
  return h;
};

const sign = (secret: string, timestamp: string, body: string) =>
  `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;

describe("verifySlackSignature", () => {
  it("accepts Slack's documented example", () => {
    expect(verifySlackSignature([SECRET], BODY, headers(TIMESTAMP, SIGNATURE), AT)).toBe(true);
  });

  it("accepts it within 300 s either way, refuses it beyond", () => {
    const h = headers(TIMESTAMP, SIGNATURE);
    expect(verifySlackSignature([SECRET], BODY, h, AT + 300_000)).toBe(true);
    expect(verifySlackSignature([SECRET], BODY, h, AT - 300_000)).toBe(true);
    expect(verifySlackSignature([SECRET], BODY, h, AT + 301_000)).toBe(false);
    expect(verifySlackSignature([SECRET], BODY, h, AT - 301_000)).toBe(false);
  });

  it("accepts the previous secret during a rotation", () => {
    expect(verifySlackSignature(["new-secret", SECRET], BODY, headers(TIMESTAMP, SIGNATURE), AT)).toBe(true);
    expect(verifySlackSignature(["new-secret"], BODY, headers(TIMESTAMP, SIGNATURE), AT)).toBe(false);
  });

  it("refuses an altered body, an altered timestamp and a signature under another secret", () => {
    expect(verifySlackSignature([SECRET], `${BODY}x`, headers(TIMESTAMP, SIGNATURE), AT)).toBe(false);
    expect(verifySlackSignature([SECRET], BODY, headers("1531420619", SIGNATURE), AT)).toBe(false);
    const other = sign("another-secret", TIMESTAMP, BODY);
    expect(verifySlackSignature([SECRET], BODY, headers(TIMESTAMP, other), AT)).toBe(false);
  });

  it.each([
    ["no timestamp", null, SIGNATURE],
    ["no signature", TIMESTAMP, null],
    ["a v1 signature", TIMESTAMP, SIGNATURE.replace("v0=", "v1=")],
    ["upper-case hex", TIMESTAMP, SIGNATURE.toUpperCase().replace("V0=", "v0=")],
    ["a short signature", TIMESTAMP, SIGNATURE.slice(0, 40)],
    ["a timestamp that is not a number", "15314x0618", SIGNATURE],
  ])("refuses %s", (_name, timestamp, signature) => {
    expect(verifySlackSignature([SECRET], BODY, headers(timestamp, signature), AT)).toBe(false);
  });

  it("throws without a secret (misuse, not a wrong signature)", () => {
    expect(() => verifySlackSignature([], BODY, headers(TIMESTAMP, SIGNATURE), AT)).toThrow(TypeError);
  });
});
