import { createHash, timingSafeEqual } from "node:crypto";

const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

/**
 * true only when `header` (X-Gitlab-Token) is one of `tokens` (current first, then previous, for
 * rotation). GitLab sends the hook's "Secret token" as is in that header:
 * https://docs.gitlab.com/user/project/integrations/webhooks/#create-a-webhook ("Secret token").
 *
 * Constant time: both sides are hashed first, so the comparison is over equal-length digests and its
 * duration tells neither the token's length nor how many leading characters matched; every token is
 * compared, even after a match, so it does not tell which one matched either.
 *
 * Two faces (bolt-js verify-request): a missing or wrong token is an expected outcome and returns false;
 * misuse by the caller (no token at all, or an empty one) throws: the route must fail closed before.
 */
export const verifyToken = (tokens: readonly string[], header: string | null): boolean => {
  if (tokens.length === 0 || tokens.some((token) => typeof token !== "string" || token === "")) {
    throw new TypeError("verifyToken needs at least one token, and no empty one (GITLAB_WEBHOOK_TOKEN)");
  }
  if (header === null || header === "") return false;
  const given = digest(header);
  let matched = false;
  for (const token of tokens) matched = timingSafeEqual(given, digest(token)) || matched;
  return matched;
};
