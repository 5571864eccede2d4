import type { OutboxMessage, Sender } from "../destinations/kind.ts";
import type { Logger } from "../log.ts";
import { describeError } from "../log.ts";
import { DEFAULT_DESTINATION } from "../routing/routes.ts";
import type { SendResult } from "../slack/message.ts";
import { conditionalUpdate } from "../store/conditional-update.ts";
import type { Entry, Store, WriteCondition } from "../store/store.ts";
import { keys, timeOfKey } from "./keys.ts";
import { parseLedger, reserve } from "./ledger.ts";
import {
  claim,
  type MessageKind,
  newEntry,
  type OutboxEntry,
  readiness,
  revive,
  SEND_LEASE_MS,
  settle,
} from "./outbox.ts";
import { parseOutboxEntry, parseThread, type ThreadRecord } from "./records.ts";

/** What sending needs: narrower than the pipeline's dependencies, so neither module imports the other. */
export interface DeliverDeps {
  readonly store: Store;
  readonly slack: Sender;
  readonly log: Logger;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Minimum gap between two Slack posts (Slack accepts ≈1 message/s per webhook). */
  readonly slackIntervalMs: number;
  /** The Slack call's own timeout, to know whether a send still fits before a deadline. */
  readonly slackTimeoutMs: number;
}

/** How an attempt to deliver one outbox entry ended, for the webhook's answer. */
export type DeliverOutcome =
  | { readonly kind: "sent"; readonly dryRun: boolean }
  /** `held`: another invocation holds the send (a ledger lease); someone must look again later. */
  | { readonly kind: "queued"; readonly reason: string; readonly held?: true }
  | { readonly kind: "failed"; readonly reason: string };

/**
 * An outbox entry as `enqueue` left it: its key, and, when this call wrote it, the entry as written (value
 * and etag), so that `deliver` right after needs no read of it: one store round trip less per message sent
 * inline. `null` when it was there already (a replay: `deliver` reads what it holds now) or when the store
 * gave no etag for the write.
 */
export interface Enqueued {
  readonly key: string;
  readonly written: Entry | null;
}

/** What an outbox entry is made of, before `newEntry` gives it its state. */
export interface OutboxFields {
  at: number;
  id: string;
  kind: MessageKind;
  summary: string;
  message: OutboxMessage;
  cause: string | null;
  after?: string | null;
  destination?: string;
  startsThread?: boolean;
  thread?: string | null;
  edit?: boolean;
}

/**
 * Writes a message into the outbox, once: the key derives from what caused it (an episode, a digest),
 * so a replay after a crash finds the same entry instead of adding a second one.
 */
export const enqueue = async (
  fields: OutboxFields,
  deps: Pick<DeliverDeps, "store" | "now">,
): Promise<Enqueued> => {
  const key = keys.outbox(fields.at, fields.id);
  const value = newEntry(fields, deps.now());
  const write = await deps.store.set(key, value, { onlyIfNew: true });
  const written = write.modified && write.etag !== "" ? { value, etag: write.etag } : null;
  return { key, written };
};

/**
 * Posts a message whose sending this invocation already holds (its destination's ledger gave it a lease
 * and the slot `slotAt`: src/pipeline/announce.ts), then writes its outbox entry once, as the post left
 * it (sent, pending with a back-off, or dead): one store call where claim and mark took two.
 */
export const postHeld = async (
  fields: OutboxFields,
  deps: DeliverDeps,
  options: { readonly deadline: number; readonly slotAt: number },
): Promise<DeliverOutcome> => {
  const now = deps.now();
  const claimed = claim(newEntry(fields, now), Math.max(now, options.slotAt));
  const thread = claimed.thread ? parseThread(await deps.store.read(keys.thread(claimed.thread))) : null;
  const outboxKey = keys.outbox(fields.at, fields.id);
  const wait = options.slotAt - now;
  return post({ outboxKey, claimed, mark: { onlyIfNew: true }, wait, thread }, deps, options);
};

/**
 * An opening is let in by its ledger within the processing budget after it arrived (25 s), then posted
 * within its lease (SEND_LEASE_MS): past this, a missing opening entry is not being posted by anyone.
 */
const OPENING_POSTED_WITHIN_MS = 2 * SEND_LEASE_MS;

/** How many reads `deliver` makes of an entry whose etag comes back empty before it leaves it to later. */
const ETAG_READS = 3;

/** The longest a post may wait for Slack's answer, when the deadline leaves that much time. */
export const SLOW_SLACK_TIMEOUT_MS = 20_000;

/** Entries written before routing went to the one webhook there was. */
export const destinationOf = (entry: { readonly destination?: string | undefined }): string =>
  entry.destination ?? DEFAULT_DESTINATION;

/**
 * Reserves the next slot of one destination (≈1 message/s per webhook or channel, shared by every function
 * instance through one conditional write on `rate/slack/<destination>`): a busy or held destination never
 * slows another. Returns how long to wait for it, or null when it is further away than `maxWaitMs` or the
 * slot is too contended to take now.
 */
export const reserveSlot = async (
  deps: Pick<DeliverDeps, "store" | "now" | "sleep" | "slackIntervalMs">,
  maxWaitMs: number,
  destination: string = DEFAULT_DESTINATION,
): Promise<number | null> => {
  if (deps.slackIntervalMs <= 0) return 0;
  const reserved = await conditionalUpdate(
    deps.store,
    keys.ledger(destination),
    parseLedger,
    (ledger) => {
      const now = deps.now();
      const { next, slotAt } = reserve(ledger, now, deps.slackIntervalMs);
      if (slotAt - now > maxWaitMs) return { write: false, value: null };
      return { write: true, next, value: slotAt - now };
    },
    { attempts: 20 },
  );
  return reserved.kind === "done" ? reserved.value : null;
};

/**
 * After a 429, nobody posts to that destination before Retry-After has passed (the hold is shared through
 * `rate/slack/<destination>`); other destinations go on.
 */
const holdRate = async (
  deps: Pick<DeliverDeps, "store">,
  until: number,
  destination: string,
): Promise<void> => {
  await conditionalUpdate(
    deps.store,
    keys.ledger(destination),
    parseLedger,
    (ledger) =>
      ledger.nextAt >= until
        ? { write: false, value: null }
        : { write: true, next: { ...ledger, nextAt: until }, value: null },
    { attempts: 20 },
  );
};

/**
 * Claim → send → mark for one outbox entry. The claim is a conditional write (pending → sending with a
 * lease); only its holder posts. `deadline`: the post must be able to finish (Slack timeout included)
 * before it, or the entry stays queued. `reviveDead`: a person redelivered the event, so a dead entry
 * gets one more try (never the sweep: it would loop).
 */
export const deliver = async (
  outbox: string | Enqueued,
  deps: DeliverDeps,
  options: { deadline: number; reviveDead?: boolean },
): Promise<DeliverOutcome> => {
  const outboxKey = typeof outbox === "string" ? outbox : outbox.key;
  // Just written by this invocation: its claim below is conditional on that write's etag, so a sender that
  // took it in between (the sweep) makes the claim fail, exactly as after a read.
  let entry = (typeof outbox === "string" ? null : outbox.written) ?? (await deps.store.get(outboxKey));
  // A read whose etag could not be had (a partial listing of the local Blobs server) can never claim: read
  // again, rather than take the refused claim for another sender's.
  for (let read = 1; entry !== null && entry.etag === "" && read < ETAG_READS; read++) {
    entry = await deps.store.get(outboxKey);
  }
  const stored = parseOutboxEntry(entry?.value ?? null);
  if (!entry || !stored) return { kind: "queued", reason: "message not found in the outbox" };
  let current = stored;
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
    const first = parseOutboxEntry(await deps.store.read(current.after));
    const state = first?.state ?? null;
    // Not written yet, for an opening that arrived lately: its sender may be posting it under its ledger
    // lease (the entry is written once posted), so this one waits as long as that can last, then goes.
    const unwritten = first === null && now < timeOfKey(current.after) + OPENING_POSTED_WITHIN_MS;
    if (state === "pending" || state === "sending" || unwritten) {
      return { kind: "queued", reason: "waiting for the failure message it follows to go out first" };
    }
  }
  const destination = destinationOf(current);
  // Slack app: the failure message's channel and ts, for a thread reply or an update in place.
  const thread = current.thread ? parseThread(await deps.store.read(keys.thread(current.thread))) : null;
  if (current.edit && thread === null) {
    // The failure message went out by webhook, or before app mode: there is nothing to update.
    await deps.store.set(outboxKey, settle(current, { kind: "sent" }, now), { onlyIfMatch: entry.etag });
    deps.log("info", "no Slack app message to update in place", { outbox: outboxKey, destination });
    return { kind: "sent", dryRun: false };
  }
  const budget = options.deadline - now - deps.slackTimeoutMs;
  if (budget < 0) return { kind: "queued", reason: "no time left to call Slack before answering" };
  const wait = await reserveSlot(deps, budget, destination);
  if (wait === null) return { kind: "queued", reason: `Slack rate limit of ${destination}: ≈1 message/s` };
  const claimed = claim(current, deps.now());
  const written = await deps.store.set(outboxKey, claimed, { onlyIfMatch: entry.etag });
  if (!written.modified) return { kind: "queued", reason: "another sender holds it" };
  return post({ outboxKey, claimed, mark: { onlyIfMatch: written.etag }, wait, thread }, deps, options);
};

/**
 * Posts an entry this invocation holds (claimed), then marks it, `mark` being the condition of that write
 * (the claim's etag, or `onlyIfNew` when nothing was written before the post): sent, retried, or dead.
 */
const post = async (
  held: {
    readonly outboxKey: string;
    readonly claimed: OutboxEntry;
    readonly mark: WriteCondition;
    readonly wait: number;
    readonly thread: ThreadRecord | null;
  },
  deps: DeliverDeps,
  options: { deadline: number },
): Promise<DeliverOutcome> => {
  const { outboxKey, claimed, mark, wait, thread } = held;
  const current = claimed;
  const destination = destinationOf(current);
  if (wait > 0) await deps.sleep(wait);

  let sendResult: SendResult;
  try {
    // Slack gets the time left before the deadline, up to SLOW_SLACK_TIMEOUT_MS: a slow Slack that posts
    // late is then seen to answer, instead of timing out and being sent again.
    const left = options.deadline - deps.now();
    const timeoutMs = Math.max(deps.slackTimeoutMs, Math.min(SLOW_SLACK_TIMEOUT_MS, left));
    sendResult = await deps.slack.send(current.message, {
      timeoutMs,
      destination,
      messageId: current.id,
      ...(thread === null ? {} : current.edit ? { updateTs: thread.ts } : { threadTs: thread.ts }),
    });
  } catch (error) {
    // A sender is meant to classify everything; an exception is a bug, treated as retryable.
    sendResult = {
      kind: "retryable",
      reason: String(describeError(error).error),
      status: null,
      retryAfterMs: null,
    };
  }
  const after = deps.now();
  const next = settle(claimed, sendResult, after);
  const level = next.state === "sent" ? "info" : next.state === "dead" ? "error" : "warn";
  deps.log(
    level,
    next.state === "dead" ? "message dead: fix the cause, it will not be retried" : "message post",
    {
      outbox: outboxKey,
      kind: current.kind,
      destination,
      summary: current.summary,
      result: sendResult.kind,
      state: next.state,
      attempts: next.attempts,
      ...(next.lastError === null ? {} : { reason: next.lastError }),
      ...(next.state === "pending" ? { nextAttemptAt: new Date(next.nextAttemptAt).toISOString() } : {}),
    },
  );
  if (sendResult.kind === "retryable" && sendResult.retryAfterMs !== null) {
    await holdRate(deps, after + sendResult.retryAfterMs, destination);
  }
  if (sendResult.kind === "sent" && current.startsThread && sendResult.ts && sendResult.channel) {
    // Before the entry is marked sent: a crash in between sends it again rather than losing its thread.
    await deps.store.set(keys.thread(current.id), {
      v: 1,
      channel: sendResult.channel,
      ts: sendResult.ts,
      at: after,
    });
  }
  const marked = await deps.store.set(outboxKey, next, mark);
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
