import { describe, expect, it } from "vitest";
import { signGithub } from "../../../../samples/github.ts";
import { verifySignature } from "../../../../src/sources/github/verify-signature.ts";

// Known answer from GitHub's documentation:
// https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
const DOCS_SECRET = "It's a Secret to Everybody";
const DOCS_PAYLOAD = "Hello, World!";
const DOCS_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

const CURRENT = "current-secret";
const PREVIOUS = "previous-secret";
const BODY = '{"action":"completed"}';

describe("verifySignature", () => {
  it("accepts GitHub's documented test vector", async () => {
    await expect(verifySignature([DOCS_SECRET], DOCS_PAYLOAD, DOCS_SIGNATURE)).resolves.toBe(true);
  });

  it.each([
    { name: "the same payload with one byte changed", payload: "Hello, World?", secret: DOCS_SECRET },
    { name: "another secret", payload: DOCS_PAYLOAD, secret: "It's a Secret to Nobody" },
  ])("rejects the documented signature for $name", async ({ payload, secret }) => {
    await expect(verifySignature([secret], payload, DOCS_SIGNATURE)).resolves.toBe(false);
  });

  it.each([
    { name: "current secret", signedWith: CURRENT, secrets: [CURRENT, PREVIOUS], expected: true },
    {
      name: "previous secret during rotation",
      signedWith: PREVIOUS,
      secrets: [CURRENT, PREVIOUS],
      expected: true,
    },
    {
      name: "previous secret once rotation is over",
      signedWith: PREVIOUS,
      secrets: [CURRENT],
      expected: false,
    },
    { name: "an unknown secret", signedWith: "someone-else", secrets: [CURRENT, PREVIOUS], expected: false },
  ])("signature by the $name → $expected", async ({ signedWith, secrets, expected }) => {
    const header = await signGithub(signedWith, BODY);
    await expect(verifySignature(secrets, BODY, header)).resolves.toBe(expected);
  });

  it("verifies over the exact text: re-serialised JSON does not match", async () => {
    const sent = '{ "action": "completed" }';
    const header = await signGithub(CURRENT, sent);
    const reserialised = JSON.stringify(JSON.parse(sent));
    await expect(verifySignature([CURRENT], reserialised, header)).resolves.toBe(false);
  });

  const valid = DOCS_SIGNATURE;
  const hex = valid.slice("sha256=".length);
  it.each([
    { name: "missing header", header: null },
    { name: "empty header", header: "" },
    { name: "prefix only", header: "sha256=" },
    { name: "sha1 signature", header: "sha1=2fd4e1c67a2d28fced849ee1bb76e7391b93eb12" },
    { name: "no prefix", header: hex },
    { name: "other prefix, same length", header: `sha512=${hex.slice(1)}` },
    { name: "non-hex digits", header: "sha256=zz" },
    { name: "non-hex, right length", header: `sha256=${"z".repeat(64)}` },
    { name: "too short", header: valid.slice(0, -1) },
    { name: "too long", header: `${valid}0` },
    { name: "uppercase prefix", header: valid.replace("sha256", "SHA256") },
    { name: "whitespace inside", header: valid.replace("=", "= ") },
    { name: "trailing newline", header: `${valid}\n` },
    { name: "unicode, same length", header: `sha256=${"é".repeat(64)}` },
    { name: "unicode appended", header: `${valid}✓` },
    { name: "10 KB header", header: `sha256=${"a".repeat(10 * 1024)}` },
    { name: "two values joined (repeated header)", header: `${valid}, ${valid}` },
    { name: "array-like values", header: "a,b" },
  ])("returns false, never throws, for a $name", async ({ header }) => {
    await expect(verifySignature([DOCS_SECRET], DOCS_PAYLOAD, header)).resolves.toBe(false);
  });

  it("returns false for an empty body rather than throwing", async () => {
    await expect(verifySignature([DOCS_SECRET], "", DOCS_SIGNATURE)).resolves.toBe(false);
  });

  it.each([
    { name: "no secret at all", secrets: [] },
    { name: "an empty secret", secrets: [""] },
    { name: "an empty previous secret", secrets: [DOCS_SECRET, ""] },
  ])("throws TypeError for misuse: $name", async ({ secrets }) => {
    await expect(verifySignature(secrets, DOCS_PAYLOAD, DOCS_SIGNATURE)).rejects.toThrow(TypeError);
  });
});
