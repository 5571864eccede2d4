/**
 * Automatic redelivery of failed deliveries of the organisation webhook: a job of the sweep, not a source.
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
 * The module: github-api.ts (the two calls), plan.ts (the decisions, pure), explain.ts (what to tell the
 * operator), state.ts (what is kept between sweeps), this file (one run, within the sweep's deadline).
 */
import type { request as octokitRequest } from "@octokit/request";
import { describeError, type LogFields, type Logger } from "../log.ts";
import { hash } from "../pipeline/keys.ts";
import type { PipelineDeps } from "../pipeline/pipeline.ts";
import { PRUNE_EVERY_MS } from "../pipeline/sweep.ts";
import type { Entry } from "../store/store.ts";
import { answerHint, explain } from "./explain.ts";
import { answered, createGitHubApi, type Delivery, type RedeliverySettings } from "./github-api.ts";
import { forgotten, guidAction, lookBack, planRedeliveries, stillWaiting } from "./plan.ts";
import {
  type Candidate,
  freshState,
  type GuidRecord,
  guidRecordSchema,
  REDELIVERY_KEYS,
  type State,
  stateSchema,
} from "./state.ts";

export const MAX_REDELIVERIES_PER_SWEEP = 20;
/** Pages of 100 deliveries examined per sweep at most; an older backlog is resumed by the next sweep. */
export const MAX_PAGES_PER_SWEEP = 20;
const REQUEST_TIMEOUT_MS = 8_000;
/** No request is started with less time than this left before the deadline. */
const MIN_REQUEST_MS = 1_000;

export interface RedelivererOptions {
  readonly log: Logger;
  /** Injected in tests; @octokit/request by default. */
  readonly request?: typeof octokitRequest;
  /** `deps.now` by default. */
  readonly now?: () => number;
}

/** Returns how many redeliveries it asked GitHub for. Never throws: the sweep's other work must go on. */
export type Redeliverer = (deps: PipelineDeps, deadline: number) => Promise<number>;

/** Where a scan stopped: `null` when it reached `since` or the last page, else the page to read next. */
interface Scan {
  readonly deliveries: Delivery[];
  readonly remaining: { readonly cursor: string | null } | null;
  readonly error: unknown;
}

export const createRedeliverer = (settings: RedeliverySettings, options: RedelivererOptions): Redeliverer => {
  const github = createGitHubApi(settings, options.request);
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

    let pagesLeft = MAX_PAGES_PER_SWEEP;
    /** Reads pages from `from` until deliveries are older than `since`, the last page, or a limit. */
    const scan = async (from: string | null, since: number): Promise<Scan> => {
      const deliveries: Delivery[] = [];
      let cursor = from;
      for (;;) {
        if (pagesLeft <= 0 || timeLeft() < MIN_REQUEST_MS)
          return { deliveries, remaining: { cursor }, error: null };
        pagesLeft--;
        let page: Awaited<ReturnType<typeof github.listDeliveries>>;
        try {
          page = await github.listDeliveries(cursor, signal());
        } catch (error) {
          return { deliveries, remaining: { cursor }, error };
        }
        if (page.unreadable > 0) {
          log("warn", "GitHub listed deliveries vigie cannot read; they are skipped", {
            ...where,
            unreadable: page.unreadable,
          });
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
      const action = guidAction(record, candidate);
      if (action === "skip") return "skipped";
      if (action === "give-up") {
        if (record && entry && !record.gaveUp) {
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
        await github.redeliver(candidate.id, signal());
      } catch (error) {
        const gh = answered(error);
        if (gh && [400, 404, 410, 422].includes(gh.status)) {
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
        if (gh) {
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
      const fields: LogFields = JSON.parse(redact(JSON.stringify(problem.fields)));
      log("error", redact(problem.message), fields);
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
      const { horizon, since, resume: resumeFrom } = lookBack(state, startedAt);
      let { at } = state;
      let resume = resumeFrom;
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
        const gh = answered(older.error);
        if (gh && (gh.status === 400 || gh.status === 422)) {
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
      const ordered = planRedeliveries(state.pending, seen, horizon);
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
      const { pending, dropped } = stillWaiting(ordered, handled);
      if (dropped > 0) {
        log("warn", "too many failed deliveries waiting for redelivery; the oldest are dropped", {
          ...where,
          dropped,
        });
      }

      // 4. Forget GUIDs GitHub no longer keeps (hourly).
      let prunedAt = state.prunedAt;
      if (now() - prunedAt >= PRUNE_EVERY_MS && timeLeft() >= MIN_REQUEST_MS) {
        prunedAt = now();
        for (const key of await store.list(REDELIVERY_KEYS.guidPrefix)) {
          if (timeLeft() < MIN_REQUEST_MS) break;
          const record = guidRecordSchema.safeParse(await store.read(key));
          if (forgotten(record.success ? record.data : null, now())) await store.delete(key);
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
