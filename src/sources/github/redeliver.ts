import { request as octokitRequest } from "@octokit/request";
import {
  array,
  bigint,
  boolean,
  type infer as Infer,
  int,
  nullable,
  number,
  object,
  optional,
  regex,
  string,
  union,
} from "zod/mini";
import { describeError, type LogFields, type Logger } from "../../log.ts";
import { hash, keyPart } from "../../pipeline/keys.ts";
import type { PipelineDeps } from "../../pipeline/pipeline.ts";
import type { Entry } from "../../store/store.ts";

/**
 * Automatic redelivery of failed deliveries of the organisation webhook, one step of the sweep.
 *
 * GitHub never redelivers a failed delivery by itself. Its own recipe: a scheduled job lists the hook's
 * deliveries made since its last run, groups them by GUID (constant across redeliveries), skips every GUID
 * with a delivery whose `status` is "OK" (a successful redelivery included), and redelivers a failed
 * delivery of each remaining GUID.
 * https://docs.github.com/webhooks/using-webhooks/handling-failed-webhook-deliveries
 * https://docs.github.com/webhooks/using-webhooks/automatically-redelivering-failed-deliveries-for-an-organization-webhook
 *
 * On top of the recipe:
 * - only `workflow_run` deliveries are redelivered: a `ping` carries nothing to notify, and vigie answers
 *   200 to every other event anyway;
 * - each GUID at most MAX_ATTEMPTS_PER_GUID times in total, so that a delivery vigie keeps refusing (401
 *   for a wrong secret) is not redelivered forever; then one warning says what vigie answered;
 * - at most MAX_REDELIVERIES_PER_SWEEP per sweep and never past the sweep's deadline; what does not fit
 *   waits in the store for the next sweep, and so do older pages that did not fit (a cursor);
 * - a GitHub error (bad token, wrong org or hook, rate limit, network) is one log line naming what to
 *   check, and the sweep goes on; after a 401/403/404 or a rate limit, GitHub is left alone for a while.
 * Redelivering once too often is cheap (vigie answers "duplicate" for an event it has handled), missing a
 * failure is not: every doubt is resolved towards redelivering.
 *
 * Store keys:
 * - `redelivery/last-check`: when the newest deliveries were last examined, the cursor of older pages not
 *   examined yet, failed deliveries waiting for their turn, the pause after an error.
 * - `redelivery/guid/<guid>`: attempts made for one GUID and the delivery last redelivered; pruned once
 *   GitHub no longer keeps the deliveries.
 */

/**
 * GitHub.com keeps, and lets you redeliver, the deliveries of the past 3 days:
 * https://docs.github.com/webhooks/testing-and-troubleshooting-webhooks/redelivering-webhooks
 */
export const DELIVERY_RETENTION_MS = 3 * 86_400_000;
export const MAX_ATTEMPTS_PER_GUID = 3;
export const MAX_REDELIVERIES_PER_SWEEP = 20;
/** Pages of 100 deliveries examined per sweep at most; an older backlog is resumed by the next sweep. */
export const MAX_PAGES_PER_SWEEP = 20;
/**
 * The look-back starts this long before the last check: GitHub's clock is not ours, and a delivery waiting
 * for its 10 s timeout is listed late. GUID records make seeing a delivery twice harmless.
 */
export const OVERLAP_MS = 2 * 60_000;
/** After a 401, 403 or 404 the settings must change; asking every minute would only repeat the error. */
export const CONFIG_ERROR_PAUSE_MS = 15 * 60_000;
const RATE_LIMIT_PAUSE_MS = 60_000;
const MIN_PAUSE_MS = 10_000;
const MAX_PAUSE_MS = 3_600_000;
const REQUEST_TIMEOUT_MS = 8_000;
/** No request is started with less time than this left before the deadline. */
const MIN_REQUEST_MS = 1_000;
const PRUNE_EVERY_MS = 3_600_000;
const MAX_PENDING = 500;
const PER_PAGE = 100;
/** https://docs.github.com/rest/about-the-rest-api/api-versions */
const API_VERSION = "2022-11-28";
const REDELIVERED_EVENT = "workflow_run";

export const REDELIVERY_KEYS = {
  lastCheck: "redelivery/last-check",
  guidPrefix: "redelivery/guid/",
  guid: (guid: string) => `redelivery/guid/${keyPart(guid)}`,
} as const;

export interface RedeliverySettings {
  readonly token: string;
  readonly org: string;
  readonly hookId: number;
  readonly apiUrl: string;
}

export interface RedelivererOptions {
  readonly log: Logger;
  /** Injected in tests; @octokit/request by default. */
  readonly request?: typeof octokitRequest;
  /** `deps.now` by default. */
  readonly now?: () => number;
}

/** Returns how many redeliveries it asked GitHub for. Never throws: the sweep's other work must go on. */
export type Redeliverer = (deps: PipelineDeps, deadline: number) => Promise<number>;

/**
 * The fields read from "List deliveries for an organization webhook" (unknown fields are ignored):
 * https://docs.github.com/rest/orgs/webhooks#list-deliveries-for-an-organization-webhook
 * `id` is an int64, which @octokit/request parses as a bigint beyond 2^53: it is kept as a decimal string.
 */
const deliveryRowSchema = object({
  id: union([int(), bigint()]),
  guid: string(),
  delivered_at: string(),
  status: string(),
  status_code: optional(nullable(number())),
  event: string(),
  action: optional(nullable(string())),
});

interface Delivery {
  readonly id: string;
  readonly guid: string;
  /** GitHub's clock, epoch ms. */
  readonly deliveredAt: number;
  readonly ok: boolean;
  readonly status: string;
  readonly statusCode: number | null;
  readonly event: string;
  readonly action: string | null;
}

/** The most recent failed `workflow_run` delivery of a GUID that has no successful delivery. */
const deliveryId = string().check(regex(/^[1-9]\d*$/));

const candidateSchema = object({
  id: deliveryId,
  guid: string(),
  deliveredAt: number(),
  status: string(),
  statusCode: nullable(number()),
  action: nullable(string()),
});
type Candidate = Infer<typeof candidateSchema>;

const stateSchema = object({
  v: number(),
  /** Which hook the state is about: another API, org or hook id starts afresh. */
  hook: string(),
  /** When (our clock) the newest deliveries were last examined down to the previous check; null: never. */
  at: nullable(number()),
  /** Older pages not examined yet: continue from `cursor` down to `since`. */
  resume: nullable(object({ cursor: string(), since: number() })),
  /** Failed deliveries decided but not redelivered yet (per-sweep limit, deadline, error). */
  pending: array(candidateSchema),
  prunedAt: number(),
  /** No request before `until`, unless GITHUB_TOKEN changed (`token` is a short hash of it). */
  pause: nullable(object({ until: number(), token: string(), reason: string() })),
});
type State = Infer<typeof stateSchema>;

const guidRecordSchema = object({
  v: number(),
  guid: string(),
  attempts: number(),
  /** When (our clock) the last redelivery was asked for. */
  lastAt: number(),
  /** The failed delivery last redelivered, and when GitHub made it (GitHub's clock). */
  deliveryId,
  deliveredAt: number(),
  /** The give-up warning was logged. */
  gaveUp: boolean(),
});
type GuidRecord = Infer<typeof guidRecordSchema>;

/** What an @octokit/request error carries (RequestError: `status`, and `response` unless no answer came). */
interface GitHubError {
  readonly status: number;
  readonly message: string;
  readonly headers: Record<string, string | number | undefined> | null;
}

const asGitHubError = (error: unknown): GitHubError | null => {
  if (!(error instanceof Error)) return null;
  const { status, response } = error as Error & { status?: unknown; response?: { headers?: unknown } };
  if (typeof status !== "number") return null;
  const headers = response?.headers;
  return {
    status,
    message: error.message,
    headers: typeof headers === "object" && headers !== null ? (headers as GitHubError["headers"]) : null,
  };
};

/** The cursor of the `rel="next"` page in a Link header; null on the last page. */
export const nextCursor = (link: string | undefined): string | null => {
  for (const part of link?.split(",") ?? []) {
    const match = /<([^>]*)>\s*;\s*rel="next"/.exec(part);
    if (!match?.[1]) continue;
    try {
      return new URL(match[1]).searchParams.get("cursor");
    } catch {
      return null;
    }
  }
  return null;
};

/** By time, then by id (decimal strings without leading zeros: the longer is the larger). */
const compareDeliveries = (a: { deliveredAt: number; id: string }, b: { deliveredAt: number; id: string }) =>
  a.deliveredAt - b.deliveredAt || a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * GitHub's grouping: a GUID with any "OK" delivery is done; otherwise its most recent failed delivery is
 * the one to redeliver. Oldest first, so that a backlog is replayed in the order things happened.
 */
const decide = (deliveries: readonly Delivery[]): { candidates: Candidate[]; succeeded: Set<string> } => {
  const byGuid = new Map<string, Delivery[]>();
  for (const delivery of deliveries) {
    if (delivery.event !== REDELIVERED_EVENT) continue;
    const group = byGuid.get(delivery.guid);
    if (group) group.push(delivery);
    else byGuid.set(delivery.guid, [delivery]);
  }
  const candidates: Candidate[] = [];
  const succeeded = new Set<string>();
  for (const [guid, group] of byGuid) {
    if (group.some((delivery) => delivery.ok)) {
      succeeded.add(guid);
      continue;
    }
    const latest = group.sort(compareDeliveries).at(-1);
    if (latest) {
      const { id, deliveredAt, status, statusCode, action } = latest;
      candidates.push({ id, guid, deliveredAt, status, statusCode, action });
    }
  }
  return { candidates: candidates.sort(compareDeliveries), succeeded };
};

/** What vigie's answer to a delivery suggests checking, for the give-up warning. */
const answerHint = (statusCode: number | null): string => {
  if (statusCode === 401)
    return "vigie answered 401: GITHUB_WEBHOOK_SECRET does not match the secret of the org webhook";
  if (statusCode === 413) return "vigie answered 413: the payload is larger than MAX_BODY_BYTES";
  if (statusCode === 400)
    return "vigie answered 400: the payload did not have the expected shape; see the function log";
  if (statusCode === 500) return "vigie answered 500: see the function log (GITHUB_WEBHOOK_SECRET unset?)";
  if (statusCode !== null && statusCode >= 500) return `vigie answered ${statusCode}: see the function log`;
  return "vigie did not answer in time or could not be reached: see the function log and the hook's Recent Deliveries";
};

interface Problem {
  readonly message: string;
  readonly fields: LogFields;
  /** Leave GitHub alone until then; null: try again next sweep. */
  readonly pauseUntil: number | null;
}

/** One log line per error, naming what to check. GitHub's message never contains the token. */
const explain = (error: unknown, settings: RedeliverySettings, now: number, what: string): Problem => {
  const target = { org: settings.org, hookId: settings.hookId };
  const gh = asGitHubError(error);
  if (!gh?.headers) {
    // No answer: DNS, connection refused, TLS, timeout (octokit wraps those as status 500 without a response).
    return {
      message: `GitHub API unreachable while ${what}; check GITHUB_API_URL and the network. Trying again next sweep`,
      fields: { ...target, apiUrl: settings.apiUrl, ...describeError(error) },
      pauseUntil: null,
    };
  }
  const fields = { ...target, status: gh.status, github: gh.message };
  const header = (name: string): number | null => {
    const raw = gh.headers?.[name];
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

const freshState = (hook: string): State => ({
  v: 1,
  hook,
  at: null,
  resume: null,
  pending: [],
  prunedAt: 0,
  pause: null,
});

interface Page {
  readonly deliveries: Delivery[];
  readonly next: string | null;
}

/** Where a scan stopped: `null` when it reached `since` or the last page, else the page to read next. */
interface Scan {
  readonly deliveries: Delivery[];
  readonly remaining: { readonly cursor: string | null } | null;
  readonly error: unknown;
}

export const createRedeliverer = (settings: RedeliverySettings, options: RedelivererOptions): Redeliverer => {
  // https://docs.github.com/rest/authentication/authenticating-to-the-rest-api (classic and fine-grained
  // tokens both work as Bearer). octokit redacts the authorization header in the errors it throws.
  const github = (options.request ?? octokitRequest).defaults({
    baseUrl: settings.apiUrl,
    headers: {
      authorization: `Bearer ${settings.token}`,
      "x-github-api-version": API_VERSION,
      "user-agent": "vigie",
    },
  });
  const log = options.log;
  const hook = `${settings.apiUrl}/orgs/${settings.org}/hooks/${settings.hookId}`;
  const tokenTag = hash(`vigie-redelivery:${settings.token}`, 12);
  const where = { org: settings.org, hookId: settings.hookId };
  const redact = (text: string): string =>
    settings.token === "" ? text : text.split(settings.token).join("[REDACTED]");

  return async (deps, deadline) => {
    const now = options.now ?? deps.now;
    const store = deps.store;
    const timeLeft = () => deadline - now();
    const signal = () => AbortSignal.timeout(Math.max(1, Math.min(REQUEST_TIMEOUT_MS, timeLeft())));
    let redelivered = 0;

    /** One page of deliveries, newest first. */
    const listPage = async (cursor: string | null): Promise<Page> => {
      // https://docs.github.com/rest/orgs/webhooks#list-deliveries-for-an-organization-webhook: per_page at
      // most 100; `cursor` comes from the Link header. Only the cursor is taken from the link, so that the
      // token is only ever sent to GITHUB_API_URL.
      const response = await github({
        method: "GET",
        url: "/orgs/{org}/hooks/{hook_id}/deliveries",
        org: settings.org,
        hook_id: settings.hookId,
        per_page: PER_PAGE,
        ...(cursor === null ? {} : { cursor }),
        request: { signal: signal() },
      });
      const rows: unknown[] = Array.isArray(response.data) ? response.data : [];
      const deliveries: Delivery[] = [];
      let unreadable = 0;
      for (const row of rows) {
        const parsed = deliveryRowSchema.safeParse(row);
        const deliveredAt = parsed.success ? Date.parse(parsed.data.delivered_at) : Number.NaN;
        if (!parsed.success || Number.isNaN(deliveredAt)) {
          unreadable++;
          continue;
        }
        const { id, guid, status, status_code, event, action } = parsed.data;
        deliveries.push({
          id: String(id),
          guid,
          deliveredAt,
          ok: status === "OK",
          status,
          statusCode: status_code ?? null,
          event,
          action: action ?? null,
        });
      }
      if (unreadable > 0 || !Array.isArray(response.data)) {
        log("warn", "GitHub listed deliveries vigie cannot read; they are skipped", { ...where, unreadable });
      }
      return { deliveries, next: nextCursor(response.headers.link) };
    };

    let pagesLeft = MAX_PAGES_PER_SWEEP;
    /** Reads pages from `from` until deliveries are older than `since`, the last page, or a limit. */
    const scan = async (from: string | null, since: number): Promise<Scan> => {
      const deliveries: Delivery[] = [];
      let cursor = from;
      for (;;) {
        if (pagesLeft <= 0 || timeLeft() < MIN_REQUEST_MS)
          return { deliveries, remaining: { cursor }, error: null };
        pagesLeft--;
        let page: Page;
        try {
          page = await listPage(cursor);
        } catch (error) {
          return { deliveries, remaining: { cursor }, error };
        }
        let oldest = Number.POSITIVE_INFINITY;
        for (const delivery of page.deliveries) {
          oldest = Math.min(oldest, delivery.deliveredAt);
          if (delivery.deliveredAt >= since) deliveries.push(delivery);
        }
        if (oldest < since || page.next === null) return { deliveries, remaining: null, error: null };
        cursor = page.next;
      }
    };

    type Outcome = "requested" | "skipped" | { readonly stop: unknown };
    const redeliver = async (candidate: Candidate): Promise<Outcome> => {
      const key = REDELIVERY_KEYS.guid(candidate.guid);
      const entry = await store.get(key);
      const parsed = guidRecordSchema.safeParse(entry?.value);
      const record = entry && parsed.success ? parsed.data : null;
      // Already redelivered from this failure (or a later one): its new attempt is not listed yet.
      if (record && (record.deliveryId === candidate.id || candidate.deliveredAt <= record.deliveredAt)) {
        return "skipped";
      }
      if (record && entry && record.attempts >= MAX_ATTEMPTS_PER_GUID) {
        if (!record.gaveUp) {
          log(
            "warn",
            `GitHub delivery still fails after ${record.attempts} redeliveries; vigie stops redelivering it`,
            {
              ...where,
              guid: candidate.guid,
              deliveryId: candidate.id,
              status: candidate.status,
              statusCode: candidate.statusCode,
              hint: answerHint(candidate.statusCode),
            },
          );
          await store.set(key, { ...record, gaveUp: true }, { onlyIfMatch: entry.etag });
        }
        return "skipped";
      }
      // Claim → redeliver: the attempt is counted before GitHub is asked, so a crash cannot cause a loop.
      const next: GuidRecord = {
        v: 1,
        guid: candidate.guid,
        attempts: (record?.attempts ?? 0) + 1,
        lastAt: now(),
        deliveryId: candidate.id,
        deliveredAt: candidate.deliveredAt,
        gaveUp: false,
      };
      const claimed = await store.set(key, next, entry ? { onlyIfMatch: entry.etag } : { onlyIfNew: true });
      if (!claimed.modified) return "skipped";
      try {
        // https://docs.github.com/rest/orgs/webhooks#redeliver-a-delivery-for-an-organization-webhook (202)
        await github({
          method: "POST",
          url: "/orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}/attempts",
          org: settings.org,
          hook_id: settings.hookId,
          delivery_id: candidate.id,
          request: { signal: signal() },
        });
      } catch (error) {
        const gh = asGitHubError(error);
        if (gh?.headers && [400, 404, 410, 422].includes(gh.status)) {
          // This delivery only (the list just worked): too old, gone. The attempt stays counted.
          log("warn", "GitHub refused to redeliver one delivery", {
            ...where,
            guid: candidate.guid,
            deliveryId: candidate.id,
            status: gh.status,
            github: redact(gh.message),
          });
          return "skipped";
        }
        if (gh?.headers) {
          // GitHub answered no: nothing was redelivered, so the attempt is given back.
          if (record) await store.set(key, record, { onlyIfMatch: claimed.etag });
          else await store.delete(key);
        }
        // Without an answer (timeout) the redelivery may have happened: the attempt stays counted.
        return { stop: error };
      }
      redelivered++;
      log("info", "asked GitHub to redeliver a failed delivery", {
        ...where,
        guid: candidate.guid,
        deliveryId: candidate.id,
        attempt: next.attempts,
        action: candidate.action,
        failure: candidate.status,
        statusCode: candidate.statusCode,
      });
      return "requested";
    };

    const report = (error: unknown, what: string): State["pause"] => {
      const problem = explain(error, settings, now(), what);
      // GitHub never echoes the token, and octokit redacts it from its errors; this is the last fence.
      log("error", redact(problem.message), JSON.parse(redact(JSON.stringify(problem.fields))) as LogFields);
      return problem.pauseUntil === null
        ? null
        : { until: problem.pauseUntil, token: tokenTag, reason: problem.message };
    };

    try {
      const entry: Entry | null = await store.get(REDELIVERY_KEYS.lastCheck);
      const parsed = stateSchema.safeParse(entry?.value);
      const state: State = parsed.success && parsed.data.hook === hook ? parsed.data : freshState(hook);
      if (state.pause && state.pause.token === tokenTag && state.pause.until > now()) return 0;
      if (timeLeft() < MIN_REQUEST_MS) return 0;

      const startedAt = now();
      const horizon = startedAt - DELIVERY_RETENTION_MS;
      const since = Math.max(state.at === null ? horizon : state.at - OVERLAP_MS, horizon);
      let { at, resume } = state;
      if (resume && resume.since < horizon) resume = { ...resume, since: horizon };
      let pause: State["pause"] = null;

      // 1. The newest deliveries, down to the previous check.
      const top = await scan(null, since);
      const seen = [...top.deliveries];
      let error = top.error;
      if (top.remaining === null) {
        at = startedAt;
      } else if (top.remaining.cursor !== null) {
        // Cut short: the older pages are resumed next sweep (one hole: down to the oldest bound known).
        at = startedAt;
        resume = { cursor: top.remaining.cursor, since: Math.min(since, resume?.since ?? since) };
      }
      // 2. Older pages left by an earlier sweep.
      if (top.remaining === null && resume) {
        const older = await scan(resume.cursor, resume.since);
        seen.push(...older.deliveries);
        error = older.error;
        resume = older.remaining?.cursor ? { cursor: older.remaining.cursor, since: resume.since } : null;
        const gh = asGitHubError(older.error);
        if (gh?.headers && (gh.status === 400 || gh.status === 422)) {
          // GitHub no longer accepts the stored cursor: give the older pages up rather than fail forever.
          log("warn", "GitHub refused the stored cursor of older deliveries; they are not examined", {
            ...where,
            status: gh.status,
          });
          error = null;
          resume = null;
        }
      }

      // 3. Decide, then redeliver within the limits; what does not fit waits for the next sweep.
      const { candidates, succeeded } = decide(seen);
      const queue = new Map<string, Candidate>();
      for (const candidate of [...state.pending, ...candidates]) {
        if (succeeded.has(candidate.guid) || candidate.deliveredAt < horizon) continue;
        const known = queue.get(candidate.guid);
        if (!known || compareDeliveries(known, candidate) < 0) queue.set(candidate.guid, candidate);
      }
      const ordered = [...queue.values()].sort(compareDeliveries);
      let handled = 0;
      if (error !== null) {
        pause = report(error, "listing the org webhook's deliveries");
      } else {
        for (const candidate of ordered) {
          if (redelivered >= MAX_REDELIVERIES_PER_SWEEP || timeLeft() < MIN_REQUEST_MS) break;
          const outcome = await redeliver(candidate);
          if (typeof outcome === "object") {
            // Kept for the next sweep; if the attempt was counted, the GUID record skips it then.
            pause = report(outcome.stop, "asking GitHub to redeliver a delivery");
            break;
          }
          handled++;
        }
      }
      let pending = ordered.slice(handled);
      if (pending.length > MAX_PENDING) {
        log("warn", "too many failed deliveries waiting for redelivery; the oldest are dropped", {
          ...where,
          dropped: pending.length - MAX_PENDING,
        });
        pending = pending.slice(-MAX_PENDING);
      }

      // 4. Forget GUIDs GitHub no longer keeps (hourly).
      let prunedAt = state.prunedAt;
      if (now() - prunedAt >= PRUNE_EVERY_MS && timeLeft() >= MIN_REQUEST_MS) {
        prunedAt = now();
        for (const key of await store.list(REDELIVERY_KEYS.guidPrefix)) {
          if (timeLeft() < MIN_REQUEST_MS) break;
          const record = guidRecordSchema.safeParse((await store.get(key))?.value);
          if (!record.success || record.data.lastAt < now() - DELIVERY_RETENTION_MS - OVERLAP_MS) {
            await store.delete(key);
          }
        }
      }

      const next: State = { v: 1, hook, at, resume, pending, prunedAt, pause };
      const saved = await store.set(
        REDELIVERY_KEYS.lastCheck,
        next,
        entry ? { onlyIfMatch: entry.etag } : { onlyIfNew: true },
      );
      if (!saved.modified)
        log("warn", "redelivery state changed during the sweep; the next sweep looks again", where);
      if (redelivered > 0 || pending.length > 0) {
        log("info", "automatic redelivery", {
          ...where,
          examined: seen.length,
          redelivered,
          waiting: pending.length,
          olderPagesLeft: resume !== null,
        });
      }
      return redelivered;
    } catch (error) {
      // The store failed (GitHub errors are handled above): what was asked for is counted, nothing thrown.
      log("error", "automatic redelivery stopped: the store failed; the next sweep tries again", {
        ...where,
        ...describeError(error),
      });
      return redelivered;
    }
  };
};
