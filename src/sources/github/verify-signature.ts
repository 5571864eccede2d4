/**
 * @octokit/webhooks-methods (and with it node:crypto) is loaded at the first verification, not at import:
 * every function invocation may be a cold start, and a request refused before its signature is checked
 * (405, 413, secret missing) never needs it (BENCHMARKS.md).
 */
let webhooksMethods: Promise<typeof import("@octokit/webhooks-methods")> | null = null;
const loadVerify = async () => {
  webhooksMethods ??= import("@octokit/webhooks-methods").catch((error: unknown) => {
    webhooksMethods = null;
    throw error;
  });
  return (await webhooksMethods).verify;
};

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
  const verify = await loadVerify();
  const results = await Promise.all(secrets.map((secret) => verify(secret, body, header)));
  return results.includes(true);
};
