import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Slack signs every interactivity request (https://docs.slack.dev/authentication/verifying-requests-from-slack):
 * `X-Slack-Signature: v0=<hex HMAC-SHA256>` of `v0:<X-Slack-Request-Timestamp>:<raw body>` under the app's
 * signing secret. A timestamp more than 5 minutes from our clock is refused, so that a captured request
 * cannot be replayed later; within those 5 minutes, each `action_ts` is acted on once
 * (src/slack-actions/handle-interaction.ts).
 *
 * Two faces (bolt-js verify-request): a missing, malformed, stale or wrong signature is an expected outcome
 * and returns false; no secret at all is the caller's mistake and throws. Every secret is tried (current,
 * then previous), in constant time over equal-length digests.
 */
export const SLACK_TOLERANCE_SECONDS = 300;

const TIMESTAMP_SHAPE = /^\d{1,12}$/;
const SIGNATURE_SHAPE = /^v0=[0-9a-f]{64}$/;

export const verifySlackSignature = (
  secrets: readonly string[],
  body: string,
  headers: Headers,
  nowMs: number,
): boolean => {
  if (secrets.length === 0) throw new TypeError("verifySlackSignature needs SLACK_SIGNING_SECRET");
  const timestamp = headers.get("x-slack-request-timestamp");
  const signature = headers.get("x-slack-signature");
  if (timestamp === null || signature === null) return false;
  if (!TIMESTAMP_SHAPE.test(timestamp) || !SIGNATURE_SHAPE.test(signature)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SLACK_TOLERANCE_SECONDS) return false;
  const presented = Buffer.from(signature.slice(3), "hex");
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac("sha256", secret).update(`v0:${timestamp}:${body}`, "utf8").digest();
    if (timingSafeEqual(expected, presented)) matched = true;
  }
  return matched;
};
