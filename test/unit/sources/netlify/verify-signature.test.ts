import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { verifySignature } from "../../../../src/sources/netlify/verify-signature.ts";
import {
  failedDeploy,
  NETLIFY_PREVIOUS_SECRET,
  NETLIFY_TEST_SECRET,
  netlifyBody,
  signNetlify,
  signNetlifyHs512,
  signNetlifyRs256,
  unsignedNetlifyToken,
} from "../../../fixtures/netlify.ts";

const bodyText = netlifyBody(failedDeploy());
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const secrets = [NETLIFY_TEST_SECRET, NETLIFY_PREVIOUS_SECRET] as const;

/**
 * Known answer, computed once with node:crypto alone (no jose): HMAC-SHA256 over
 * base64url({"typ":"JWT","alg":"HS256"}) "." base64url({"iss":"netlify","sha256":<hex of body>}), the
 * header and claims Netlify sends (docs.netlify.com/site-deploys/notifications/#payload-signature).
 */
const KNOWN = {
  secret: "known-answer-jws-secret",
  body: '{"id":"674a1f3c9b2e4d0008c1a2b3","site_id":"3f9c2a71-5d4e-4b8a-9e21-7c6d5b4a3f10","state":"error","name":"acme-docs","created_at":"2026-11-20T09:41:07.312Z"}',
  token:
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJuZXRsaWZ5Iiwic2hhMjU2IjoiNjk0NzIyYmQyYWI4ZDllMDQ4N2ZiOWEyMjQ1Y2VjZmNkMGFmZDM5YTViNTJhNTY0YTNhNjljNjMzY2E2OGFlMCJ9.J2ca0S6O2oS4XZpireHj8BKz_q0j2Z6pwp95r0ppWFg",
};

describe("verifySignature (Netlify JWS)", () => {
  it("accepts the known-answer token, which carries neither exp nor iat", async () => {
    await expect(verifySignature([KNOWN.secret], bytes(KNOWN.body), KNOWN.token)).resolves.toBe(true);
    await expect(verifySignature([KNOWN.secret], bytes(`${KNOWN.body} `), KNOWN.token)).resolves.toBe(false);
  });

  it.each<[string, () => Promise<string | null>, boolean]>([
    ["valid, current secret", () => signNetlify(NETLIFY_TEST_SECRET, bodyText), true],
    ["valid, previous secret (rotation)", () => signNetlify(NETLIFY_PREVIOUS_SECRET, bodyText), true],
    [
      "valid, with a future exp",
      () => signNetlify(NETLIFY_TEST_SECRET, bodyText, { exp: nowPlus(300) }),
      true,
    ],
    ["wrong secret", () => signNetlify("not-the-secret", bodyText), false],
    ["alg none", async () => unsignedNetlifyToken(bodyText), false],
    ["HS512 with the right secret", () => signNetlifyHs512(NETLIFY_TEST_SECRET, bodyText), false],
    ["RS256", () => signNetlifyRs256(bodyText), false],
    ["wrong iss", () => signNetlify(NETLIFY_TEST_SECRET, bodyText, { iss: "github" }), false],
    ["missing iss", () => signNetlify(NETLIFY_TEST_SECRET, bodyText, { iss: undefined }), false],
    ["body hash mismatch", () => signNetlify(NETLIFY_TEST_SECRET, `${bodyText}\n`), false],
    ["sha256 claim in uppercase hex", () => upperCaseHashToken(), false],
    ["sha256 claim not a string", () => signNetlify(NETLIFY_TEST_SECRET, bodyText, { sha256: 42 }), false],
    ["missing sha256 claim", () => signNetlify(NETLIFY_TEST_SECRET, bodyText, { sha256: undefined }), false],
    ["expired exp", () => signNetlify(NETLIFY_TEST_SECRET, bodyText, { exp: nowPlus(-300) }), false],
    ["garbage token", async () => "not.a.jwt", false],
    ["two segments", async () => "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJuZXRsaWZ5In0", false],
    ["empty header", async () => "", false],
    ["blank header", async () => "   ", false],
    ["missing header", async () => null, false],
    [
      "huge header",
      async () => `${await signNetlify(NETLIFY_TEST_SECRET, bodyText)}${"A".repeat(100_000)}`,
      false,
    ],
  ])("%s → %s", async (_name, token, expected) => {
    await expect(verifySignature(secrets, bytes(bodyText), await token())).resolves.toBe(expected);
  });

  it("tries the previous secret only as a fallback: the current one alone rejects a previous-secret token", async () => {
    const token = await signNetlify(NETLIFY_PREVIOUS_SECRET, bodyText);
    await expect(verifySignature([NETLIFY_TEST_SECRET], bytes(bodyText), token)).resolves.toBe(false);
    await expect(verifySignature([NETLIFY_PREVIOUS_SECRET], bytes(bodyText), token)).resolves.toBe(true);
  });

  it("hashes the raw bytes, not a re-serialisation: the same deploy with other spacing is refused", async () => {
    const token = await signNetlify(NETLIFY_TEST_SECRET, bodyText);
    const pretty = JSON.stringify(JSON.parse(bodyText), null, 2);
    await expect(verifySignature(secrets, bytes(pretty), token)).resolves.toBe(false);
  });

  it("accepts the token with surrounding whitespace, as some proxies leave it", async () => {
    const token = await signNetlify(NETLIFY_TEST_SECRET, bodyText);
    await expect(verifySignature(secrets, bytes(bodyText), ` ${token} `)).resolves.toBe(true);
  });

  it.each([[[]], [[""]], [[NETLIFY_TEST_SECRET, ""]]])(
    "throws TypeError on misuse: secrets %j",
    async (list) => {
      await expect(verifySignature(list, bytes(bodyText), "x.y.z")).rejects.toThrow(TypeError);
    },
  );
});

function nowPlus(seconds: number): number {
  return Math.floor(Date.now() / 1000) + seconds;
}

/** A correctly signed token whose sha256 claim is the right digest, but in uppercase hex. */
async function upperCaseHashToken(): Promise<string> {
  const { createHash } = await import("node:crypto");
  const sha256 = createHash("sha256").update(bodyText).digest("hex").toUpperCase();
  return new SignJWT({ iss: "netlify", sha256 })
    .setProtectedHeader({ typ: "JWT", alg: "HS256" })
    .sign(new TextEncoder().encode(NETLIFY_TEST_SECRET));
}
