import { Webhook } from "standardwebhooks";

/**
 * GitLab's signing token (GitLab ≥ 19.0) follows Standard Webhooks: `webhook-id` (the delivery's
 * Idempotency-Key), `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64>`, the
 * HMAC-SHA256 of `<id>.<timestamp>.<body>` under the key the `whsec_` token encodes
 * (https://gitlab.com/gitlab-org/gitlab/-/merge_requests/230944, https://www.standardwebhooks.com/).
 *
 * The `standardwebhooks` package does the work: it strips `whsec_` and decodes the key (strict base64;
 * src/config.ts refuses a malformed token before it gets here), refuses a timestamp more than 5 minutes
 * away from our clock (a captured delivery cannot be replayed later), accepts any of several
 * space-separated `v1,` signatures and compares in constant time. `jsonParse: false`: it would otherwise
 * parse the body itself; vigie parses only after both checks (read, verify, then parse).
 */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/** Bounds on the headers, far above what GitLab sends, so that no junk reaches the library. */
const ID_SHAPE = /^[\x21-\x7e]{1,256}$/;
const TIMESTAMP_SHAPE = /^\d{1,12}$/;
const MAX_SIGNATURE_HEADER = 1024;

/**
 * true only when the Standard Webhooks signature headers sign exactly `body` under one of `tokens`
 * (current, then previous) within the timestamp tolerance. Missing, malformed, stale or wrong → false,
 * never an exception. No token at all is the caller's mistake and throws.
 */
export const verifySignature = (tokens: readonly string[], body: string, headers: Headers): boolean => {
  if (tokens.length === 0) throw new TypeError("verifySignature needs at least one GITLAB_SIGNING_TOKEN");
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signature = headers.get("webhook-signature");
  if (id === null || timestamp === null || signature === null) return false;
  if (!ID_SHAPE.test(id) || !TIMESTAMP_SHAPE.test(timestamp)) return false;
  if (signature === "" || signature.length > MAX_SIGNATURE_HEADER) return false;
  const signed = { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature };
  let matched = false;
  for (const token of tokens) {
    try {
      new Webhook(token).verify(body, signed, { jsonParse: false });
      matched = true;
    } catch {
      // WebhookVerificationError (wrong, stale, no v1 signature); the next token may still match.
    }
  }
  return matched;
};
