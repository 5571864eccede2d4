import { describeError } from "../log.ts";
import type { SendResult, SlackMessage } from "../slack/message.ts";
import { keys } from "./keys.ts";
import { claim, isOutboxEntry, type MessageKind, newEntry, readiness, revive, settle } from "./outbox.ts";
import type { PipelineDeps } from "./pipeline.ts";

/** How an attempt to deliver one outbox entry ended, for the webhook's answer. */
export type DeliverOutcome =
  | { readonly kind: "sent"; readonly dryRun: boolean }
  | { readonly kind: "queued"; readonly reason: string }
  | { readonly kind: "failed"; readonly reason: string };

/**
 * Writes a message into the outbox, once: the key derives from what caused it (an episode, a digest),
 * so a replay after a crash finds the same entry instead of adding a second one. Returns its key.
 */
export const enqueue = async (
  fields: {
    at: number;
    id: string;
    kind: MessageKind;
    summary: string;
    message: SlackMessage;
    cause: string | null;
    after?: string | null;
  },
  deps: Pick<PipelineDeps, "store" | "now">,
): Promise<string> => {
  const key = keys.outbox(fields.at, fields.id);
  await deps.store.set(key, newEntry(fields, deps.now()), { onlyIfNew: true });
  return key;
};

interface RateRecord {
  readonly v: 1;
  /** Epoch ms before which no post may start. */
  readonly nextAt: number;
}

const MAX_RATE_ATTEMPTS = 20;

/**
 * Reserves the next Slack slot (≈1 message/s per webhook, shared by every function instance through one
 * conditional write). Returns how long to wait for it, or null when it is further away than `maxWaitMs`.
 */
export const reserveSlot = async (
  deps: Pick<PipelineDeps, "store" | "now" | "slackIntervalMs">,
  maxWaitMs: number,
): Promise<number | null> => {
  if (deps.slackIntervalMs <= 0) return 0;
  for (let attempt = 0; attempt < MAX_RATE_ATTEMPTS; attempt++) {
    const now = deps.now();
    const entry = await deps.store.get(keys.rate);
    const nextAt = (entry?.value as RateRecord | undefined)?.nextAt ?? 0;
    const slot = Math.max(now, typeof nextAt === "number" ? nextAt : 0);
    if (slot - now > maxWaitMs) return null;
    const record: RateRecord = { v: 1, nextAt: slot + deps.slackIntervalMs };
    const written = await deps.store.set(
      keys.rate,
      record,
      entry ? { onlyIfMatch: entry.etag } : { onlyIfNew: true },
    );
    if (written.modified) return slot - now;
  }
  return null;
};

/** After a 429, nobody posts before Retry-After has passed. */
const holdRate = async (deps: Pick<PipelineDeps, "store" | "now">, until: number): Promise<void> => {
  for (let attempt = 0; attempt < MAX_RATE_ATTEMPTS; attempt++) {
    const entry = await deps.store.get(keys.rate);
    const nextAt = (entry?.value as RateRecord | undefined)?.nextAt ?? 0;
    if (nextAt >= until) return;
    const written = await deps.store.set(
      keys.rate,
      { v: 1, nextAt: until } satisfies RateRecord,
      entry ? { onlyIfMatch: entry.etag } : { onlyIfNew: true },
    );
    if (written.modified) return;
  }
};

/**
 * Claim → send → mark for one outbox entry. The claim is a conditional write (pending → sending with a
 * lease); only its holder posts. `deadline`: the post must be able to finish (Slack timeout included)
 * before it, or the entry stays queued. `reviveDead`: a person redelivered the event, so a dead entry
 * gets one more try (never the sweep: it would loop).
 */
export const deliver = async (
  outboxKey: string,
  deps: PipelineDeps,
  options: { deadline: number; reviveDead?: boolean },
): Promise<DeliverOutcome> => {
  const entry = await deps.store.get(outboxKey);
  if (!entry || !isOutboxEntry(entry.value))
    return { kind: "queued", reason: "message not found in the outbox" };
  let current = entry.value;
  const now = deps.now();
  if (current.state === "dead" && options.reviveDead) current = revive(current, now);
  switch (readiness(current, now)) {
    case "sent":
      return { kind: "sent", dryRun: false };
    case "dead":
      return { kind: "failed", reason: current.lastError ?? "dead" };
    case "in_flight":
      return { kind: "queued", reason: "another sender holds it" };
    case "not_due":
      return {
        kind: "queued",
        reason: `next attempt at ${new Date(current.nextAttemptAt).toISOString()} (${current.lastError ?? ""})`,
      };
    case "due":
      break;
  }
  if (current.after) {
    const first = await deps.store.get(current.after);
    const state = first && isOutboxEntry(first.value) ? first.value.state : null;
    if (state === "pending" || state === "sending") {
      return { kind: "queued", reason: "waiting for the failure message it follows to go out first" };
    }
  }
  const budget = options.deadline - now - deps.slackTimeoutMs;
  if (budget < 0) return { kind: "queued", reason: "no time left to call Slack before answering" };
  const wait = await reserveSlot(deps, budget);
  if (wait === null) return { kind: "queued", reason: "Slack rate limit: ≈1 message/s" };
  const claimed = claim(current, deps.now());
  const written = await deps.store.set(outboxKey, claimed, { onlyIfMatch: entry.etag });
  if (!written.modified) return { kind: "queued", reason: "another sender holds it" };
  if (wait > 0) await deps.sleep(wait);

  let sendResult: SendResult;
  try {
    sendResult = await deps.slack.send(current.message);
  } catch (error) {
    // A sender is meant to classify everything; an exception is a bug, treated as retryable.
    sendResult = {
      kind: "retryable",
      reason: describeError(error).error as string,
      status: null,
      retryAfterMs: null,
    };
  }
  const after = deps.now();
  const next = settle(claimed, sendResult, after);
  const level = next.state === "sent" ? "info" : next.state === "dead" ? "error" : "warn";
  deps.log(
    level,
    next.state === "dead" ? "slack message dead: fix the cause, it will not be retried" : "slack post",
    {
      outbox: outboxKey,
      kind: current.kind,
      summary: current.summary,
      result: sendResult.kind,
      state: next.state,
      attempts: next.attempts,
      ...(next.lastError === null ? {} : { reason: next.lastError }),
      ...(next.state === "pending" ? { nextAttemptAt: new Date(next.nextAttemptAt).toISOString() } : {}),
    },
  );
  if (sendResult.kind === "retryable" && sendResult.retryAfterMs !== null) {
    await holdRate(deps, after + sendResult.retryAfterMs);
  }
  const marked = await deps.store.set(outboxKey, next, { onlyIfMatch: written.etag });
  if (!marked.modified) {
    deps.log("warn", "outbox entry changed while sending (lease expired?); it may be sent twice", {
      outbox: outboxKey,
    });
  }
  switch (next.state) {
    case "sent":
      return { kind: "sent", dryRun: sendResult.kind === "dry_run" };
    case "dead":
      return { kind: "failed", reason: next.lastError ?? "dead" };
    default:
      return { kind: "queued", reason: next.lastError ?? "retry scheduled" };
  }
};
