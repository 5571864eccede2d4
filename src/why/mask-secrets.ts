/**
 * Anything in a log line shaped like a secret becomes `***` before the line is kept anywhere (an excerpt is
 * stored with the episode and posted to Slack). Runners mask the secrets they know of; these are the ones
 * they cannot know: tokens printed by a tool, credentials inside a URL, a key echoed by a debug line.
 * Shapes, from each vendor's documented prefixes:
 * - GitHub `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`
 *   (https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/);
 * - GitLab `glpat-` and its other `gl…-` tokens, runner registration `GR1348941…`
 *   (https://docs.gitlab.com/security/tokens/#token-prefixes);
 * - Slack `xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-`, `xoxe-`, `xapp-`, and incoming webhook paths;
 * - AWS access key ids (`AKIA…`, `ASIA…`); npm `npm_`, Netlify `nfp_`, Stripe `sk_live_`, JWTs, PEM keys;
 * - `user:password@` in any URL, `Authorization:` / `Bearer` values, `password=` / `token:` style pairs;
 * - any other long run of letters and digits that looks random (entropy above what words and hex show).
 */

export const MASK = "***";

const PATTERNS: readonly RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----.*/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bgl[a-z]{2,5}-[A-Za-z0-9_.-]{16,}/g,
  /\bGR1348941[A-Za-z0-9_-]{16,}/g,
  /\bxox[a-z]-[A-Za-z0-9-]{8,}/g,
  /\bxapp-[A-Za-z0-9-]{8,}/g,
  /\bhooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]+/g,
  /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b/g,
  /\bnpm_[A-Za-z0-9]{30,}/g,
  /\bnfp_[A-Za-z0-9]{30,}/g,
  /\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
];

/** Kept: the scheme and what follows the `@`; masked: the user and password. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]{0,20}:\/\/)[^\s/@:]*:[^\s/@]*@/gi;
/** `https://TOKEN@host`: a user part that long is a token. */
const URL_TOKEN_USER = /\b([a-z][a-z0-9+.-]{0,20}:\/\/)[^\s/@:]{20,}@/gi;
const AUTH_HEADER =
  /\b(authorization|proxy-authorization|x-api-key|private-token|x-gitlab-token)(\s*[:=]\s*)(?:(?:bearer|basic|token)\s+)?\S+/gi;
const BEARER = /\b(bearer|token)(\s+)[A-Za-z0-9._~+/-]{16,}=*/gi;
const SECRET_KEY =
  "[A-Za-z0-9_.-]{0,40}(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)";
const QUOTED_VALUE = new RegExp(`\\b(${SECRET_KEY}["']?\\s*[:=]\\s*)(["'])[^"'\\n]*\\2`, "gi");
const KEY_VALUE =
  /\b([A-Za-z0-9_.-]{0,40}(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)["']?)(\s*[:=]\s*["']?)(?![*]{3})[^\s"',;]{4,}/gi;
const CANDIDATE = /[A-Za-z0-9+/=_-]{32,}/g;

/** Shannon entropy in bits per character. */
const entropy = (text: string): number => {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
};

/**
 * Random-looking: upper and lower case letters and digits mixed, and more than 4.2 bits per character.
 * Hex (commit shas, content hashes: at most 4 bits) and words, paths and identifiers stay readable.
 */
const looksRandom = (token: string): boolean =>
  /[a-z]/.test(token) &&
  /[A-Z]/.test(token) &&
  /\d/.test(token) &&
  !/^[A-Za-z][a-z]+(?:[A-Z][a-z]+)+\d*$/.test(token) &&
  entropy(token) > 4.2;

/** `line` with every secret-shaped part replaced by `***`. */
export const maskSecrets = (line: string): string => {
  let masked = line;
  for (const pattern of PATTERNS) masked = masked.replace(pattern, MASK);
  masked = masked
    .replace(URL_CREDENTIALS, `$1${MASK}@`)
    .replace(URL_TOKEN_USER, `$1${MASK}@`)
    .replace(AUTH_HEADER, `$1$2${MASK}`)
    .replace(BEARER, `$1$2${MASK}`)
    .replace(QUOTED_VALUE, `$1$2${MASK}$2`)
    .replace(KEY_VALUE, `$1$2${MASK}`);
  return masked.replace(CANDIDATE, (token) => (looksRandom(token) ? MASK : token));
};
