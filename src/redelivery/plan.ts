import type { Delivery } from "./github-api.ts";
import type { Candidate, GuidRecord, State } from "./state.ts";

/**
 * The decisions of redelivery, as pure functions of what GitHub listed and what the store remembers:
 * which window to read, which failed deliveries to redeliver and in which order, what to do with each
 * GUID, what waits for the next sweep. Every doubt is resolved towards redelivering (vigie answers
 * "duplicate" to an event it has handled; a missed failure is not cheap).
 */

/**
 * GitHub.com keeps, and lets you redeliver, the deliveries of the past 3 days:
 * https://docs.github.com/webhooks/testing-and-troubleshooting-webhooks/redelivering-webhooks
 */
export const DELIVERY_RETENTION_MS = 3 * 86_400_000;
/**
 * The look-back starts this long before the last check: GitHub's clock is not ours, and a delivery waiting
 * for its 10 s timeout is listed late. GUID records make seeing a delivery twice harmless.
 */
export const OVERLAP_MS = 2 * 60_000;
/** A delivery vigie keeps refusing (401 for a wrong secret) is not redelivered forever. */
export const MAX_ATTEMPTS_PER_GUID = 3;
/** Failed deliveries kept waiting for their turn at most; beyond, the oldest are dropped. */
export const MAX_PENDING = 500;
/** A `ping` carries nothing to notify, and vigie answers 200 to every other event anyway. */
const REDELIVERED_EVENT = "workflow_run";

/** By time, then by id (decimal strings without leading zeros: the longer is the larger). */
export const compareDeliveries = (
  a: { deliveredAt: number; id: string },
  b: { deliveredAt: number; id: string },
): number =>
  a.deliveredAt - b.deliveredAt || a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * What to read this sweep: deliveries since the last check (less the overlap), never older than GitHub
 * keeps (`horizon`); older pages left by an earlier sweep are resumed down to the horizon at most.
 */
export const lookBack = (
  state: State,
  now: number,
): { horizon: number; since: number; resume: State["resume"] } => {
  const horizon = now - DELIVERY_RETENTION_MS;
  const since = Math.max(state.at === null ? horizon : state.at - OVERLAP_MS, horizon);
  const resume =
    state.resume && state.resume.since < horizon ? { ...state.resume, since: horizon } : state.resume;
  return { horizon, since, resume };
};

/**
 * GitHub's grouping: a GUID with any "OK" delivery is done; otherwise its most recent failed delivery is
 * the one to redeliver.
 * https://docs.github.com/webhooks/using-webhooks/automatically-redelivering-failed-deliveries-for-an-organization-webhook
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
  return { candidates, succeeded };
};

/**
 * The failed deliveries to redeliver, oldest first so that a backlog is replayed in the order things
 * happened: those still waiting from earlier sweeps and those just listed, one per GUID (the latest),
 * without the GUIDs that succeeded since and those GitHub no longer keeps.
 */
export const planRedeliveries = (
  waiting: readonly Candidate[],
  seen: readonly Delivery[],
  horizon: number,
): Candidate[] => {
  const { candidates, succeeded } = decide(seen);
  const queue = new Map<string, Candidate>();
  for (const candidate of [...waiting, ...candidates]) {
    if (succeeded.has(candidate.guid) || candidate.deliveredAt < horizon) continue;
    const known = queue.get(candidate.guid);
    if (!known || compareDeliveries(known, candidate) < 0) queue.set(candidate.guid, candidate);
  }
  return [...queue.values()].sort(compareDeliveries);
};

/**
 * What to do with one candidate, given the GUID's record: `skip` when it was already redelivered from
 * this failure or a later one (its new attempt is not listed yet), `give-up` once it had its attempts,
 * else `redeliver`.
 */
export const guidAction = (
  record: GuidRecord | null,
  candidate: Candidate,
): "skip" | "give-up" | "redeliver" => {
  if (record && (record.deliveryId === candidate.id || candidate.deliveredAt <= record.deliveredAt)) {
    return "skip";
  }
  if (record && record.attempts >= MAX_ATTEMPTS_PER_GUID) return "give-up";
  return "redeliver";
};

/** What waits for the next sweep after `handled` were dealt with; at most MAX_PENDING, the newest. */
export const stillWaiting = (
  ordered: readonly Candidate[],
  handled: number,
): { pending: Candidate[]; dropped: number } => {
  const pending = ordered.slice(handled);
  const dropped = Math.max(0, pending.length - MAX_PENDING);
  return { pending: dropped > 0 ? pending.slice(-MAX_PENDING) : pending, dropped };
};

/** A GUID record GitHub no longer has deliveries for (or an unreadable one) can go. */
export const forgotten = (record: GuidRecord | null, now: number): boolean =>
  record === null || record.lastAt < now - DELIVERY_RETENTION_MS - OVERLAP_MS;
