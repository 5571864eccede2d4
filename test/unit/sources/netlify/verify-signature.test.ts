import { createHash, createHmac } from "node:crypto";
import fc from "fast-check";
import { jwtVerify, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import {
  failedDeploy,
  NETLIFY_PREVIOUS_SECRET,
  NETLIFY_TEST_SECRET,
  netlifyBody,
  signNetlify,
  signNetlifyHs512,
  signNetlifyRs256,
  unsignedNetlifyToken,
} from "../../../../samples/netlify.ts";
import { verifySignature } from "../../../../src/sources/netlify/verify-signature.ts";

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
  it("refuses a segment of length 1 mod 4 (no base64url), even signed, as jose does", async () => {
    const [header = "", claims = ""] = KNOWN.token.split(".");
    let padded = header;
    while (padded.length % 4 !== 1) padded += "A";
    expect(padded.length % 4).toBe(1);
    const signature = createHmac("sha256", KNOWN.secret).update(`${padded}.${claims}`).digest("base64url");
    const token = `${padded}.${claims}.${signature}`;
    await expect(jwtVerify(token, bytes(KNOWN.secret))).rejects.toThrow();
    await expect(verifySignature([KNOWN.secret], bytes(KNOWN.body), token)).resolves.toBe(false);
  });

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

describe("verifySignature agrees with jose's jwtVerify", () => {
  /**
   * The check vigie made with jose until the fourth pass on issue 15 (BENCHMARKS.md), kept as the reference:
   * `jwtVerify` pinned to HS256 and issuer "netlify", each secret in turn, then the body's digest.
   */
  const joseVerify = async (list: readonly string[], body: string, token: string): Promise<boolean> => {
    for (const secret of list) {
      let claimed: unknown;
      try {
        ({
          payload: { sha256: claimed },
        } = await jwtVerify(token, new TextEncoder().encode(secret), {
          algorithms: ["HS256"],
          issuer: "netlify",
        }));
      } catch {
        continue;
      }
      return (
        typeof claimed === "string" && claimed === createHash("sha256").update(body, "utf8").digest("hex")
      );
    }
    return false;
  };

  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
  const otherwiseSpelled = (segment: string): boolean =>
    Buffer.from(segment, "base64url").toString("base64url") !== segment;
  const digest = createHash("sha256").update(bodyText, "utf8").digest("hex");
  const now = Math.floor(Date.now() / 1000);
  /** A valid value three times in four, so that most tokens fail on one point at most. */
  const mostly = <T>(valid: fc.Arbitrary<T>, ...invalid: T[]): fc.Arbitrary<T> =>
    fc.oneof(
      { weight: 3 * invalid.length, arbitrary: valid },
      ...invalid.map((value) => ({ weight: 1, arbitrary: fc.constant(value) })),
    );
  /** Absent, or far from now on the right side (the two checks read the clock a moment apart). */
  const time = (valid: number): fc.Arbitrary<unknown> =>
    mostly<unknown>(fc.constantFrom(undefined, valid), now + (valid > now ? -3600 : 3600), "tomorrow", null);

  const header = mostly<unknown>(
    fc.constantFrom({ typ: "JWT", alg: "HS256" }, { alg: "HS256" }, { alg: "HS256", kid: "netlify" }),
    { alg: "HS256", crit: ["b64"], b64: true },
    { alg: "HS256", crit: ["exp"] },
    { alg: "HS512" },
    { alg: "none" },
    { alg: "hs256" },
    ["HS256"],
    "HS256",
  );
  const claims = fc.record({
    iss: mostly<unknown>(fc.constant("netlify"), undefined, "Netlify", "github", 1),
    sha256: mostly<unknown>(fc.constant(digest), undefined, digest.toUpperCase(), "0".repeat(64), 42),
    exp: time(now + 3600),
    nbf: time(now - 3600),
    iat: mostly<unknown>(fc.constantFrom(undefined, now), "now", null),
  });
  const signer = mostly(fc.constantFrom(NETLIFY_TEST_SECRET, NETLIFY_PREVIOUS_SECRET), "not-the-secret");
  const algorithm = mostly(fc.constant("sha256"), "sha512");
  /** What happens to the token on its way: nothing, mostly; or one character changed, or bytes added. */
  const damage = fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.constantFrom("A", "b", "-", "_", ".", "=", "+", " ")) },
  );

  it("never accepts what jose refuses, and accepts all it accepts but critical extensions and respelled signatures", async () => {
    await fc.assert(
      fc.asyncProperty(header, claims, signer, algorithm, damage, async (h, c, secret, alg, hit) => {
        const input = `${encode(h)}.${encode(c)}`;
        let token = `${input}.${createHmac(alg, secret).update(input).digest("base64url")}`;
        if (hit !== null) {
          const [at, char] = hit;
          const i = at % token.length;
          token = `${token.slice(0, i)}${char}${token.slice(i + 1)}`;
        }
        const ours = await verifySignature(secrets, bytes(bodyText), token);
        const reference = await joseVerify(secrets, bodyText, token);
        if (ours) expect(reference).toBe(true);
        const [, , signature = ""] = token.split(".");
        const refusedByDesign =
          (typeof h === "object" && h !== null && "crit" in h) || otherwiseSpelled(signature);
        if (!refusedByDesign) expect(ours).toBe(reference);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses a valid token marking an extension critical, and a signature spelled with spare bits", async () => {
    const input = `${encode({ alg: "HS256", crit: ["b64"], b64: true })}.${encode({ iss: "netlify", sha256: digest })}`;
    const critical = `${input}.${createHmac("sha256", NETLIFY_TEST_SECRET).update(input).digest("base64url")}`;
    await expect(joseVerify(secrets, bodyText, critical)).resolves.toBe(true);
    await expect(verifySignature(secrets, bytes(bodyText), critical)).resolves.toBe(false);

    const token = await signNetlify(NETLIFY_TEST_SECRET, bodyText);
    // 32 bytes are 43 base64url characters, the last carrying 2 bits that encode nothing.
    const last = token.at(-1) as string;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] as string;
    const respelled = `${token.slice(0, -1)}${sibling}`;
    expect(Buffer.from(respelled.split(".")[2] as string, "base64url")).toEqual(
      Buffer.from(token.split(".")[2] as string, "base64url"),
    );
    await expect(verifySignature(secrets, bytes(bodyText), respelled)).resolves.toBe(false);
  });

  it.each<[string, unknown]>([
    ["a header that is not JSON", "not json"],
    ["a header in invalid UTF-8", Buffer.from([0x7b, 0xff, 0x7d])],
  ])("refuses %s", async (_name, rawHeader) => {
    const encodedHeader = Buffer.isBuffer(rawHeader)
      ? rawHeader.toString("base64url")
      : Buffer.from(String(rawHeader)).toString("base64url");
    const input = `${encodedHeader}.${encode({ iss: "netlify", sha256: digest })}`;
    const token = `${input}.${createHmac("sha256", NETLIFY_TEST_SECRET).update(input).digest("base64url")}`;
    await expect(verifySignature(secrets, bytes(bodyText), token)).resolves.toBe(false);
  });
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
