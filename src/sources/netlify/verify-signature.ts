import { createHash, timingSafeEqual } from "node:crypto";
import { jwtVerify } from "jose";

/**
 * Netlify signs an outgoing webhook with the notification's "JWS secret token": the `X-Webhook-Signature`
 * header is a JWT whose claims are `iss: "netlify"` and `sha256`, the hex SHA-256 of the payload.
 * https://docs.netlify.com/site-deploys/notifications/#payload-signature (the docs' Ruby example decodes
 * with `verify_iss: true, algorithm: "HS256"`, then compares `sha256` with the hex digest of the raw body).
 *
 * The token carries no `exp`, `iat` or `nbf`: the docs list only `iss` and `sha256`, and captured
 * tokens hold exactly those two claims under `{"typ":"JWT","alg":"HS256"}` (e.g. the known-answer vector
 * in https://github.com/jmhobbs/cultofthepartyparrot.com/blob/d738758705ba49b3e439a7bb98f85405bafe8b2f/cloud-function/shared_test.go).
 * So no time claim is required (jose only checks `exp`/`nbf` when present; `maxTokenAge` is not set).
 * The signature alone does not bind the token to the body; the `sha256` claim does, hence step 2.
 */

/** Netlify's tokens are about 200 characters; anything far larger is garbage, refused before any work. */
const MAX_TOKEN_LENGTH = 4096;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

const encoder = new TextEncoder();

/** The `sha256` claim of a token validly signed by `secret`, or null for anything else. */
const signedBodyHash = async (token: string, secret: string): Promise<string | null | undefined> => {
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), {
      // Pinned: never let the token's header choose (alg "none", HS512, RS256 with a public key...).
      algorithms: ["HS256"],
      issuer: "netlify",
    });
    return typeof payload.sha256 === "string" ? payload.sha256 : null;
  } catch {
    // Wrong secret, malformed token, disallowed algorithm, wrong issuer, expired: not signed by us.
    return undefined;
  }
};

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

  const bodyHash = createHash("sha256").update(body).digest("hex");
  for (const secret of secrets) {
    const claimed = await signedBodyHash(token, secret);
    if (claimed === undefined) continue;
    // Signed by this secret: the answer is final, another secret cannot make a different claim true.
    return claimed !== null && HEX_SHA256.test(claimed) && equalInConstantTime(claimed, bodyHash);
  }
  return false;
};
