import { PREFIX } from "../pipeline/keys.ts";
import { type OutboxEntry, revive } from "../pipeline/outbox.ts";
import { parseOutboxEntry } from "../pipeline/records.ts";
import type { Store } from "../store/store.ts";

/**
 * `npm run outbox -- resend` and `POST /status/outbox/resend` (docs/architecture.md, "The board"): the
 * outbox entries a person asks to send again go back to waiting, in place, with the outbox's own `revive`
 * and a conditional write, so each is still one entry sent at most once more (a second resend, or a
 * sender that took it meanwhile, changes nothing). The sweep sends them at its next run, and the board
 * shows them move from dead to waiting to sent.
 */
export interface ResendCriteria {
  /** Dead messages only; otherwise also those waiting for a retry after an error (then tried at once). */
  readonly deadOnly: boolean;
  /** `default` or a destination's name; null: every destination. */
  readonly destination: string | null;
  /** Only messages created less than this long ago; null: any age. */
  readonly sinceMs: number | null;
}

export interface ResendReport {
  /** Messages put back to waiting: their summary, kind and destination (never their text). */
  readonly resent: ReadonlyArray<{ summary: string; kind: string; destination: string; was: string }>;
  /** Matched but changed by someone else meanwhile (a sender, another resend): left as they are. */
  readonly changed: number;
  /** Outbox entries read. */
  readonly read: number;
  /** More entries than MAX_RESEND_READS: only the newest were looked at. */
  readonly truncated: boolean;
}

/** A request must answer within a synchronous function's time: the newest this many entries are read. */
export const MAX_RESEND_READS = 2_000;
const PARALLEL = 50;

/** "90s", "30m", "1h", "7d" → ms; null when it is not one. */
export const parseAge = (text: string): number | null => {
  const match = /^(\d+)\s*(s|m|min|h|d)$/i.exec(text.trim());
  if (!match) return null;
  const units: Readonly<Record<string, number>> = {
    s: 1_000,
    m: 60_000,
    min: 60_000,
    h: 3_600_000,
    d: 86_400_000,
  };
  const unit = units[(match[2] ?? "").toLowerCase()];
  if (unit === undefined) return null;
  const ms = Number(match[1]) * unit;
  return ms > 0 ? ms : null;
};

/** Whether a person's resend applies to this entry (pure). */
export const wantsResend = (entry: OutboxEntry, criteria: ResendCriteria, now: number): boolean => {
  const retrying = entry.state === "pending" && entry.attempts > 0 && entry.nextAttemptAt > now;
  if (!(entry.state === "dead" || (!criteria.deadOnly && retrying))) return false;
  if (criteria.destination !== null && (entry.destination ?? "default") !== criteria.destination)
    return false;
  return criteria.sinceMs === null || entry.createdAt >= now - criteria.sinceMs;
};

export const resendOutbox = async (
  store: Store,
  criteria: ResendCriteria,
  now: number,
): Promise<ResendReport> => {
  const all = await store.list(PREFIX.outbox);
  const keysRead = all.slice(-MAX_RESEND_READS);
  const out: Array<ResendReport["resent"][number]> = [];
  let changed = 0;
  for (let i = 0; i < keysRead.length; i += PARALLEL) {
    await Promise.all(
      keysRead.slice(i, i + PARALLEL).map(async (key) => {
        // A cheap read first; the etag only for the few that match.
        const seen = parseOutboxEntry(await store.read(key));
        if (!seen || !wantsResend(seen, criteria, now)) return;
        const found = await store.get(key);
        const entry = found && parseOutboxEntry(found.value);
        if (!found || !entry || !wantsResend(entry, criteria, now)) {
          changed++;
          return;
        }
        const written = await store.set(key, revive(entry, now), { onlyIfMatch: found.etag });
        if (!written.modified) {
          changed++;
          return;
        }
        out.push({
          summary: entry.summary,
          kind: entry.kind,
          destination: entry.destination ?? "default",
          was: entry.state,
        });
      }),
    );
  }
  return { resent: out, changed, read: keysRead.length, truncated: all.length > keysRead.length };
};
