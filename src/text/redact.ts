/**
 * Masks secrets in text vigie did not write itself (a provider's error text, an API's message) before it
 * is logged, stored (an outbox entry's `lastError`) or shown (the board, `setup`, `doctor`): the exact
 * secrets a caller knows, and anything shaped like a token of the services vigie talks to, whoever's it
 * is. One pass per pattern, each linear in the text.
 */
export const REDACTED = "[redacted]";

const TOKEN_SHAPES: readonly RegExp[] = [
  // Slack: bot, user, app-level and configuration tokens (xoxb-, xoxp-, xapp-…), webhook URLs.
  /\bxox[a-z]-[A-Za-z0-9-]+/g,
  /\bxapp-[A-Za-z0-9-]+/g,
  /https?:\/\/hooks\.slack\.com\/[^\s"'<>]+/g,
  // GitHub: classic and fine-grained tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_).
  /\bgh[oprsu]_[A-Za-z0-9]{16,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{16,}/g,
  // GitLab: personal, project, deploy and trigger tokens (glpat-, glptt-, gldt-…).
  /\bgl[a-z]{2,4}-[A-Za-z0-9_-]{16,}/g,
  // Netlify personal access tokens; Standard Webhooks secrets.
  /\bnfp_[A-Za-z0-9]{16,}/g,
  /\bwhsec_[A-Za-z0-9+/=]{8,}/g,
  // Whatever follows "Bearer".
  /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi,
];

/** `text` with every `secrets` value (4 characters or more) and every token-shaped string masked. */
export const redact = (text: string, secrets: readonly string[] = []): string => {
  let out = text;
  for (const secret of [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length))
    out = out.replaceAll(secret, REDACTED);
  for (const shape of TOKEN_SHAPES) out = out.replace(shape, REDACTED);
  return out;
};
