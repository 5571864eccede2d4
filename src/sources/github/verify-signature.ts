import { verify } from "@octokit/webhooks-methods";

/** The only shape GitHub sends: `sha256=` and 64 lowercase hex digits (an HMAC-SHA256). */
const SIGNATURE_SHAPE = /^sha256=[0-9a-f]{64}$/;

/**
 * true only when `header` (X-Hub-Signature-256) is the HMAC-SHA256 of `body` under one of `secrets`
 * (current first, then previous, for rotation). https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries
 *
 * Two faces (bolt-js verify-request): a missing, malformed or wrong signature is an expected outcome
 * and returns false, whatever the header holds; misuse by the caller (no secret at all) throws.
 *
 * The shape check only looks at the header, which the sender already knows. Every secret is then tried,
 * even after a match, so the time taken does not tell which secret (current or previous) matched.
 * `verify` compares in constant time (timingSafeEqual over equal-length buffers).
 */
export const verifySignature = async (
  secrets: readonly string[],
  body: string,
  header: string | null,
): Promise<boolean> => {
  if (secrets.length === 0 || secrets.some((secret) => typeof secret !== "string" || secret === "")) {
    throw new TypeError("verifySignature needs at least one secret, and no empty one");
  }
  // `verify` throws on an empty payload or signature; GitHub never sends an empty body.
  if (header === null || !SIGNATURE_SHAPE.test(header) || body === "") return false;
  const results = await Promise.all(secrets.map((secret) => verify(secret, body, header)));
  return results.includes(true);
};
