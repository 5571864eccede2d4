import { describeError, type LogFields } from "../log.ts";
import { answered, type RedeliverySettings } from "./github-api.ts";

/** What to tell the operator when GitHub refuses or cannot be reached, and how long to leave it alone. */

/** After a 401, 403 or 404 the settings must change; asking every minute would only repeat the error. */
export const CONFIG_ERROR_PAUSE_MS = 15 * 60_000;
const RATE_LIMIT_PAUSE_MS = 60_000;
const MIN_PAUSE_MS = 10_000;
const MAX_PAUSE_MS = 3_600_000;

export interface Problem {
  readonly message: string;
  readonly fields: LogFields;
  /** Leave GitHub alone until then; null: try again next sweep. */
  readonly pauseUntil: number | null;
}

/** What vigie's answer to a delivery suggests checking, for the give-up warning. */
export const answerHint = (statusCode: number | null): string => {
  if (statusCode === 401)
    return "vigie answered 401: GITHUB_WEBHOOK_SECRET does not match the secret of the org webhook";
  if (statusCode === 413) return "vigie answered 413: the payload is larger than MAX_BODY_BYTES";
  if (statusCode === 400)
    return "vigie answered 400: the payload did not have the expected shape; see the function log";
  if (statusCode === 500) return "vigie answered 500: see the function log (GITHUB_WEBHOOK_SECRET unset?)";
  if (statusCode !== null && statusCode >= 500) return `vigie answered ${statusCode}: see the function log`;
  return "vigie did not answer in time or could not be reached: see the function log and the hook's Recent Deliveries";
};

/** One log line per error, naming what to check. GitHub's message never contains the token. */
export const explain = (error: unknown, settings: RedeliverySettings, now: number, what: string): Problem => {
  const target = { org: settings.org, hookId: settings.hookId };
  const gh = answered(error);
  if (!gh) {
    return {
      message: `GitHub API unreachable while ${what}; check GITHUB_API_URL and the network. Trying again next sweep`,
      fields: { ...target, apiUrl: settings.apiUrl, ...describeError(error) },
      pauseUntil: null,
    };
  }
  const fields = { ...target, status: gh.status, github: gh.message };
  const header = (name: string): number | null => {
    const raw = gh.response.headers[name];
    const value = raw === undefined ? Number.NaN : Number(raw);
    return Number.isFinite(value) ? value : null;
  };
  // https://docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api#rate-limit-errors
  const rateLimited =
    gh.status === 429 ||
    (gh.status === 403 && (header("x-ratelimit-remaining") === 0 || /rate limit/i.test(gh.message)));
  if (rateLimited) {
    const retryAfter = header("retry-after");
    const reset = header("x-ratelimit-reset");
    const until =
      retryAfter !== null
        ? now + retryAfter * 1000
        : reset !== null && header("x-ratelimit-remaining") === 0
          ? reset * 1000
          : now + RATE_LIMIT_PAUSE_MS;
    const pauseUntil = Math.min(Math.max(until, now + MIN_PAUSE_MS), now + MAX_PAUSE_MS);
    return {
      message: `GitHub API rate limit reached for GITHUB_TOKEN while ${what}; redelivery paused until ${new Date(pauseUntil).toISOString()}`,
      fields,
      pauseUntil,
    };
  }
  const paused = now + CONFIG_ERROR_PAUSE_MS;
  const pauseNote = `; redelivery paused for ${CONFIG_ERROR_PAUSE_MS / 60_000} minutes or until GITHUB_TOKEN changes`;
  switch (gh.status) {
    case 401:
      return {
        message: `GitHub rejected GITHUB_TOKEN (401) while ${what}: it is invalid, expired or revoked; create one with the admin:org_hook scope (classic) or the organization "Webhooks" read and write permission (fine-grained)${pauseNote}`,
        fields,
        pauseUntil: paused,
      };
    case 403:
      return {
        message: `GitHub refused the request (403) while ${what}: GITHUB_TOKEN lacks the admin:org_hook scope (classic) or the organization "Webhooks" read and write permission (fine-grained), or its user is not an owner of GITHUB_ORG${pauseNote}`,
        fields,
        pauseUntil: paused,
      };
    case 404:
      return {
        message: `GITHUB_HOOK_ID ${settings.hookId} not found in GITHUB_ORG "${settings.org}" (404) while ${what}: check both (the hook id is in the X-GitHub-Hook-ID header of every delivery); GitHub also answers 404 when GITHUB_TOKEN may not see the org's hooks${pauseNote}`,
        fields,
        pauseUntil: paused,
      };
    default:
      return {
        message:
          gh.status >= 500
            ? `GitHub API error (${gh.status}) while ${what}; trying again next sweep`
            : `GitHub refused the request (${gh.status}) while ${what}; trying again next sweep`,
        fields,
        pauseUntil: null,
      };
  }
};
