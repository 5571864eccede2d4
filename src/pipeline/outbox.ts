import type { OutboxMessage } from "../destinations/kind.ts";
import { MAX_RETRY_AFTER_MS, type SendResult } from "../slack/message.ts";

/**
 * The outbox: every message is written here before it is sent, and marked after Slack answered
 * (claim → send → mark, never mark-then-send; Alertmanager's notification log records a notification
 * only after it succeeded). Pure transitions; the pipeline writes them with conditional writes.
 *
 *   pending ──claim──▶ sending ──200──▶ sent
 *      ▲                  │ 5xx/timeout/429 (attempts < MAX) → pending, not before nextAttemptAt
 *      └──────────────────┤ 4xx (channel_not_found...) or attempts exhausted → dead
 *                         └ lease ended (sender died) → claimable again by the sweep
 */
/**
 * "update": with the Slack app, a failure message replaced in place once its stream recovered. "excerpt":
 * with the Slack app, the log excerpt that came after its failure message, as a reply in its thread.
 */
export type MessageKind = "failure" | "recovery" | "reminder" | "digest" | "update" | "excerpt";
export type OutboxState = "pending" | "sending" | "sent" | "dead";

export interface OutboxEntry {
  readonly v: 1;
  readonly id: string;
  readonly kind: MessageKind;
  /** Short human summary for logs and `npm run outbox` (never a URL with a token). */
  readonly summary: string;
  /** A Notice, formatted by the destination's kind at send time (or, in older entries, a Slack message). */
  readonly message: OutboxMessage;
  readonly state: OutboxState;
  readonly attempts: number;
  readonly createdAt: number;
  readonly nextAttemptAt: number;
  readonly leaseUntil: number;
  readonly lastError: string | null;
  readonly sentAt: number | null;
  /** Idempotency key of the event that caused it, if any (redelivery of that event retries it). */
  readonly cause: string | null;
  /**
   * Outbox key of a message that must go out first (a recovery waits for its failure message, which
   * may still be queued behind Slack's rate limit or a retry). Null when there is none.
   */
  readonly after?: string | null;
  /** The last attempt timed out: Slack may have posted it anyway, so the next waits TIMEOUT_BACKOFF_MS. */
  readonly timedOut?: boolean;
  /** Where it goes (src/routing/routing.ts); absent in entries written before routing: `default`. */
  readonly destination?: string;
  /**
   * Slack app: an episode's failure message, whose channel and `ts` are kept (`threads/<id>`) once posted,
   * so that its reminders and recovery reply in its thread and the recovery updates it in place.
   */
  readonly startsThread?: boolean;
  /** Slack app: the id of the failure message this one replies to (or, with `edit`, replaces). */
  readonly thread?: string | null;
  /** Slack app: replace the `thread` message in place (chat.update) instead of posting. */
  readonly edit?: boolean;
}

/** A sender that died holds its claim this long; then the sweep takes over. */
export const SEND_LEASE_MS = 30_000;
/** Retries span ~3 days (Stripe and Svix retry for days; GitHub never retries by itself). */
export const MAX_ATTEMPTS = 16;
const BACKOFF_MS = [5_000, 30_000, 120_000, 300_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000];
export const MAX_BACKOFF_MS = 28_800_000;

/**
 * After a timeout, the next attempt waits at least this long. Slack often posts a message it answered
 * late: retrying 5 s later, with the same short timeout, posted three copies of one message when Slack
 * hung. Two minutes lets a late "ok" land before the copy, and the sweep that retries gives
 * Slack a longer timeout (SWEEP_SLACK_TIMEOUT_MS in src/runtime.ts): at most one duplicate.
 */
export const TIMEOUT_BACKOFF_MS = 120_000;

/** Delay after the n-th failed attempt (n ≥ 1): 5 s, 30 s, 2 min, ... capped at 8 h. */
export const backoffMs = (attempts: number): number =>
  BACKOFF_MS[Math.max(0, attempts - 1)] ?? MAX_BACKOFF_MS;

export const newEntry = (
  fields: Pick<OutboxEntry, "id" | "kind" | "summary" | "message" | "cause" | "after"> &
    Partial<Pick<OutboxEntry, "destination" | "startsThread" | "thread" | "edit">>,
  now: number,
): OutboxEntry => ({
  v: 1,
  ...fields,
  state: "pending",
  attempts: 0,
  createdAt: now,
  nextAttemptAt: now,
  leaseUntil: 0,
  lastError: null,
  sentAt: null,
});

export type Readiness = "due" | "not_due" | "in_flight" | "sent" | "dead";

export const readiness = (entry: OutboxEntry, now: number): Readiness => {
  switch (entry.state) {
    case "sent":
      return "sent";
    case "dead":
      return "dead";
    case "sending":
      return entry.leaseUntil > now ? "in_flight" : "due";
    case "pending":
      return entry.nextAttemptAt > now ? "not_due" : "due";
  }
};

export const claim = (entry: OutboxEntry, now: number): OutboxEntry => ({
  ...entry,
  state: "sending",
  attempts: entry.attempts + 1,
  leaseUntil: now + SEND_LEASE_MS,
});

/** A dead message revived by a human action (a manual redelivery of its event): one more try. */
export const revive = (entry: OutboxEntry, now: number): OutboxEntry => ({
  ...entry,
  state: "pending",
  nextAttemptAt: now,
  attempts: Math.min(entry.attempts, MAX_ATTEMPTS - 1),
});

export const settle = (entry: OutboxEntry, result: SendResult, now: number): OutboxEntry => {
  switch (result.kind) {
    case "sent":
    case "dry_run":
      return { ...entry, state: "sent", sentAt: now, leaseUntil: 0, lastError: null };
    case "dead":
      return { ...entry, state: "dead", leaseUntil: 0, lastError: result.reason };
    case "retryable": {
      if (entry.attempts >= MAX_ATTEMPTS) {
        return {
          ...entry,
          state: "dead",
          leaseUntil: 0,
          lastError: `gave up after ${entry.attempts} attempts; last error: ${result.reason}`,
        };
      }
      const wait =
        result.retryAfterMs !== null
          ? Math.min(Math.max(result.retryAfterMs, 0), MAX_RETRY_AFTER_MS)
          : result.timedOut
            ? Math.max(TIMEOUT_BACKOFF_MS, backoffMs(entry.attempts))
            : backoffMs(entry.attempts);
      return {
        ...entry,
        state: "pending",
        leaseUntil: 0,
        nextAttemptAt: now + wait,
        lastError: result.reason,
        timedOut: result.timedOut === true,
      };
    }
  }
};
