import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * Netlify signs an outgoing webhook with the notification's "JWS secret token": the `X-Webhook-Signature`
 * header is a JWT whose claims are `iss: "netlify"` and `sha256`, the hex SHA-256 of the payload.
 * https://docs.netlify.com/site-deploys/notifications/#payload-signature (the docs' Ruby example decodes
 * with `verify_iss: true, algorithm: "HS256"`, then compares `sha256` with the hex digest of the raw body).
 *
 * The token carries no `exp`, `iat` or `nbf`: the docs list only `iss` and `sha256`, and captured
 * tokens hold exactly those two claims under `{"typ":"JWT","alg":"HS256"}` (e.g. the known-answer vector
 * in https://github.com/jmhobbs/cultofthepartyparrot.com/blob/d738758705ba49b3e439a7bb98f85405bafe8b2f/cloud-function/shared_test.go).
 * So no time claim is required; one that is present is checked (below).
 * The signature alone does not bind the token to the body; the `sha256` claim does, hence the last step.
 *
 * Verified with node:crypto's HMAC rather than `jose`: for this one algorithm the check is the few steps
 * below, and jose (its code, then WebCrypto's on first use) cost every cold start of the netlify function
 * ≈ 3 ms, about a quarter of what vigie adds to an empty function's cold start (the cold-start figures in
 * BENCHMARKS.md). What it must accept and refuse is jose's `jwtVerify(token, secret, { algorithms:
 * ["HS256"], issuer: "netlify" })`: a property test compares the two on generated tokens
 * (test/unit/sources/netlify/verify-signature.test.ts), jose being kept for the tests.
 */

/** Netlify's tokens are about 200 characters; anything far larger is garbage, refused before any work. */
const MAX_TOKEN_LENGTH = 4096;
/** One segment of a JWS compact serialisation: base64url without padding (RFC 7515 §2, §7.1). */
const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** Invalid UTF-8 is an invalid token (RFC 7515 §5.2 step 3), not text with replacement characters. */
const utf8 = new TextDecoder("utf-8", { fatal: true });

type JsonObject = Readonly<Record<string, unknown>>;

/** The JSON object encoded in one segment, or undefined for anything else (an array, a string, bad JSON). */
const decodeObject = (segment: string): JsonObject | undefined => {
  try {
    const value: unknown = JSON.parse(utf8.decode(Buffer.from(segment, "base64url")));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value))
      : undefined;
  } catch {
    return undefined;
  }
};

interface Jws {
  /** What the signature covers: the two encoded segments, as sent (RFC 7515 §5.2 step 8). */
  readonly signingInput: string;
  readonly signature: string;
  readonly claims: JsonObject;
}

/** The parts of an HS256 JWS in compact form, or undefined when it is not one (before any secret is used). */
const parseToken = (token: string): Jws | undefined => {
  const segments = token.split(".");
  // A length of 1 mod 4 is no base64url at all (6 bits cannot end a byte); Buffer would decode it anyway.
  if (segments.length !== 3 || !segments.every((s) => SEGMENT.test(s) && s.length % 4 !== 1))
    return undefined;
  const [encodedHeader = "", encodedClaims = "", signature = ""] = segments;
  const header = decodeObject(encodedHeader);
  // Pinned: never let the token's header choose (alg "none", HS512, RS256 with a public key...). No extension
  // is understood, so a token that marks one critical is refused (RFC 7515 §4.1.11).
  if (header?.alg !== "HS256" || header.crit !== undefined) return undefined;
  const claims = decodeObject(encodedClaims);
  return claims && { signingInput: `${encodedHeader}.${encodedClaims}`, signature, claims };
};

/**
 * The time claims, when present, as jose checks them with no clock tolerance (RFC 7519 §4.1.4, §4.1.5):
 * each is a number, `nbf` is not in the future, `exp` is in the future.
 */
const inValidityPeriod = ({ exp, nbf, iat }: JsonObject, now: number): boolean =>
  (iat === undefined || typeof iat === "number") &&
  (nbf === undefined || (typeof nbf === "number" && nbf <= now)) &&
  (exp === undefined || (typeof exp === "number" && exp > now));

const equalInConstantTime = (a: string, b: string): boolean => {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
};

/**
 * true only when `header` is an HS256 JWT signed with one of `secrets` (current first, then previous),
 * issued by "netlify", whose `sha256` claim is the hex SHA-256 of exactly `body`. Any missing, malformed
 * or wrong signature is `false`, never an exception. An empty `secrets` list (or an empty secret) is a
 * programming error and throws: the caller must fail closed before asking (docs/architecture.md, "One failure, from request to Slack", step 1).
 */
export const verifySignature = async (
  secrets: readonly string[],
  body: Uint8Array,
  header: string | null,
): Promise<boolean> => {
  if (secrets.length === 0 || secrets.some((secret) => secret === "")) {
    throw new TypeError("verifySignature needs at least one non-empty secret (NETLIFY_WEBHOOK_SECRET)");
  }
  const token = header?.trim() ?? "";
  if (token === "" || token.length > MAX_TOKEN_LENGTH) return false;
  const jws = parseToken(token);
  if (jws === undefined) return false;

  // The expected signature in its one canonical encoding, compared as text: a token whose signature segment
  // decodes to the same bytes but is spelled otherwise (spare trailing bits) is refused, not accepted.
  const signed = secrets.some((secret) =>
    equalInConstantTime(
      createHmac("sha256", secret).update(jws.signingInput).digest("base64url"),
      jws.signature,
    ),
  );
  if (!signed) return false;
  const { claims } = jws;
  if (claims.iss !== "netlify" || !inValidityPeriod(claims, Math.floor(Date.now() / 1000))) return false;
  const claimed = claims.sha256;
  const bodyHash = createHash("sha256").update(body).digest("hex");
  return typeof claimed === "string" && equalInConstantTime(claimed, bodyHash);
};
