import type { Config } from "../config.ts";
import {
  commitKey,
  type FailureEvent,
  idempotencyKey,
  type RunEvent,
  runEventSchema,
  streamKey,
} from "../event.ts";
import type { Logger } from "../log.ts";
import { formatFailure, formatRecovery } from "../slack/format.ts";
import type { SlackSender } from "../slack/message.ts";
import type { Store } from "../store/store.ts";
import { type DeliverOutcome, deliver, enqueue } from "./deliver.ts";
import {
  closeEpisode,
  countFailure,
  decideFailure,
  decideSuccess,
  type Episode,
  emptyStream,
  openEpisode,
  routeEpisode,
  type StreamState,
} from "./episodes.ts";
import { keys, PREFIX } from "./keys.ts";
import type { Verdict } from "./policy.ts";
import { type DigestItem, stormRouting } from "./storms.ts";

export interface PipelineDeps {
  readonly config: Config;
  readonly store: Store;
  readonly slack: SlackSender;
  readonly log: Logger;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Minimum gap between two Slack posts (Slack accepts ≈1 message/s per webhook). */
  readonly slackIntervalMs: number;
  /** The Slack call's own timeout, to know whether an inline send still fits before `deadline`. */
  readonly slackTimeoutMs: number;
}

/** What the webhook answers. */
export interface Result {
  readonly status: "notified" | "queued" | "duplicate" | "ignored" | "suppressed" | "failed";
  readonly httpStatus: 200 | 202 | 502;
  readonly reason: string;
  readonly key?: string;
  readonly stream?: string;
}

/** A claim on an event whose holder died is taken over after this long. */
export const EVENT_LEASE_MS = 60_000;
const MAX_CAS_ATTEMPTS = 25;

interface EventRecord {
  readonly v: 1;
  readonly state: "processing" | "done";
  readonly leaseUntil: number;
  readonly at: number;
  readonly result: { status: Result["status"]; reason: string } | null;
  /** Outbox key of the message this event caused, if any. */
  readonly outbox: string | null;
}

interface InflightRecord {
  readonly v: 1;
  readonly event: RunEvent;
  readonly since: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;

/** A stream record read back, or an empty stream when it is missing or not one of ours. */
export const asStream = (value: unknown, stream: string): StreamState =>
  isRecord(value) && value.v === 1 && value.stream === stream && Array.isArray(value.recent)
    ? (value as unknown as StreamState)
    : emptyStream(stream);

const asEventRecord = (value: unknown): EventRecord | null =>
  isRecord(value) && value.v === 1 && (value.state === "processing" || value.state === "done")
    ? (value as unknown as EventRecord)
    : null;

/** Reads an inflight record back, validating the event with the same schema that defines it. */
export const asInflight = (value: unknown): InflightRecord | null => {
  if (!isRecord(value) || value.v !== 1 || typeof value.since !== "number") return null;
  const parsed = runEventSchema.safeParse(value.event);
  return parsed.success ? { v: 1, event: parsed.data, since: value.since } : null;
};

const jitter = (deps: PipelineDeps, attempt: number): Promise<void> =>
  deps.sleep(Math.min(200, 5 * 2 ** Math.min(attempt, 5)) * Math.random());

/**
 * Runs one classified delivery through dedup, episodes, folding, storms and the outbox.
 * `deadline` (epoch ms) is when the webhook must have answered; an inline Slack send is only tried
 * when it fits, otherwise the message stays queued for the sweep (202).
 */
export const processVerdict = async (
  verdict: Verdict,
  deps: PipelineDeps,
  deadline: number,
): Promise<Result> => {
  switch (verdict.kind) {
    case "ignored":
      return { status: "ignored", httpStatus: 200, reason: verdict.reason };
    case "failure":
      return processFailure(verdict.event, deps, deadline);
    case "success":
      return processSuccess(verdict.event, deps, deadline);
  }
};

type Claim =
  | { readonly kind: "claimed"; readonly etag: string; readonly takeover: boolean }
  | { readonly kind: "duplicate"; readonly record: EventRecord | null };

/**
 * The idempotency claim: one atomic `onlyIfNew` write. The inflight record is written first so that a
 * claim whose holder dies is found and finished by the sweep; only the claim holder deletes it.
 */
const claimEvent = async (event: RunEvent, key: string, deps: PipelineDeps): Promise<Claim> => {
  const now = deps.now();
  const inflight: InflightRecord = { v: 1, event, since: now };
  await deps.store.set(keys.inflight(key), inflight);
  const record: EventRecord = {
    v: 1,
    state: "processing",
    leaseUntil: now + EVENT_LEASE_MS,
    at: now,
    result: null,
    outbox: null,
  };
  const created = await deps.store.set(keys.event(key), record, { onlyIfNew: true });
  if (created.modified) return { kind: "claimed", etag: created.etag, takeover: false };
  const existing = await deps.store.get(keys.event(key));
  const current = asEventRecord(existing?.value);
  if (existing && current?.state === "processing" && current.leaseUntil <= now) {
    // The holder died (crash, timeout) before finishing: take its claim over, atomically.
    const taken = await deps.store.set(keys.event(key), record, { onlyIfMatch: existing.etag });
    if (taken.modified) return { kind: "claimed", etag: taken.etag, takeover: true };
  }
  if (current?.state === "done") await deps.store.delete(keys.inflight(key));
  return { kind: "duplicate", record: current };
};

const finishEvent = async (
  key: string,
  claim: { etag: string },
  result: Result,
  outbox: string | null,
  deps: PipelineDeps,
): Promise<void> => {
  const now = deps.now();
  const record: EventRecord = {
    v: 1,
    state: "done",
    leaseUntil: 0,
    at: now,
    result: { status: result.status, reason: result.reason },
    outbox,
  };
  const written = await deps.store.set(keys.event(key), record, { onlyIfMatch: claim.etag });
  if (!written.modified) {
    deps.log("warn", "event claim was taken over before this delivery finished", { key });
  }
  await deps.store.delete(keys.inflight(key));
};

/**
 * A repeat of an event already handled. If its message is still waiting (Slack failed) or was refused,
 * a redelivery, which only a person or the redelivery job triggers, gives it one more try now.
 */
const duplicate = async (key: string, record: EventRecord | null, deps: PipelineDeps, deadline: number) => {
  if (record?.state === "processing") {
    // A concurrent copy (DESIGN.md: a duplicate). Should that other delivery die, the sweep finishes it.
    return result("duplicate", `event ${key} is being processed by another delivery`, key);
  }
  if (record?.outbox) {
    const outcome = await deliver(record.outbox, deps, { deadline, reviveDead: true });
    switch (outcome.kind) {
      case "sent":
        return result("duplicate", "already handled; its message is sent", key);
      case "queued":
        return result("queued", `already handled; its message is still queued: ${outcome.reason}`, key);
      case "failed":
        return result("failed", `already handled; Slack refused its message again: ${outcome.reason}`, key);
    }
  }
  return result("duplicate", `already handled (${record?.result?.status ?? "unknown"})`, key);
};

const result = (status: Result["status"], reason: string, key?: string, stream?: string): Result => ({
  status,
  httpStatus: status === "queued" ? 202 : status === "failed" ? 502 : 200,
  reason,
  ...(key === undefined ? {} : { key }),
  ...(stream === undefined ? {} : { stream }),
});

const fromDelivery = (outcome: DeliverOutcome, what: string, key: string, stream: string): Result => {
  switch (outcome.kind) {
    case "sent":
      return result("notified", outcome.dryRun ? `${what} (dry run: printed to the log)` : what, key, stream);
    case "queued":
      return result(
        "queued",
        `${what}; message queued, the sweep will send it (${outcome.reason})`,
        key,
        stream,
      );
    case "failed":
      return result("failed", `${what}; Slack refused the message: ${outcome.reason}`, key, stream);
  }
};

/**
 * Folding and storms, decided once the episode is open (so that concurrent failures of the same stream,
 * which only get counted, leave no storm marker). Folding: a failure of a commit whose failure the other
 * source already announced adds no message. Storm: beyond the threshold, the digest. Every key written
 * here derives from the episode, so a replay after a crash decides the same way.
 */
const route = async (
  event: FailureEvent,
  episode: Episode,
  stream: string,
  deps: PipelineDeps,
): Promise<{ delivery: "message" | "digest" | "folded"; foldedInto: string | null }> => {
  const now = deps.now();
  const commit = commitKey(event);
  const commitEntry = commit ? await deps.store.get(keys.commit(commit)) : null;
  const claimed = isRecord(commitEntry?.value)
    ? (commitEntry.value as { source?: string; stream?: string; episodeId?: string; at?: number })
    : null;
  if (claimed && claimed.source !== event.source && typeof claimed.stream === "string") {
    const other = await deps.store.get(keys.stream(claimed.stream));
    const otherEpisode = asStream(other?.value, claimed.stream).episode;
    const stillOpen = otherEpisode?.id === claimed.episodeId && otherEpisode?.delivery !== "folded";
    // A claim seconds old may belong to an episode whose routing is still on its way.
    const fresh = typeof claimed.at === "number" && now - claimed.at < 60_000;
    if (stillOpen || fresh) return { delivery: "folded", foldedInto: claimed.stream };
  }
  const marker = keys.storm(episode.receivedAt, episode.openedBy);
  await deps.store.set(marker, { v: 1, at: episode.receivedAt, stream });
  const delivery = stormRouting(await deps.store.list(PREFIX.storm), marker, episode.receivedAt, deps.config);
  if (commit) {
    const claim = { v: 1, source: event.source, stream, episodeId: episode.id, at: now };
    if (!commitEntry) {
      await deps.store.set(keys.commit(commit), claim, { onlyIfNew: true });
    } else if (claimed?.source !== event.source) {
      // The other source's episode has closed: this source now owns the commit.
      await deps.store.set(keys.commit(commit), claim, { onlyIfMatch: commitEntry.etag });
    }
  }
  return { delivery, foldedInto: null };
};

const digestItem = async (
  kind: DigestItem["kind"],
  event: RunEvent,
  stream: string,
  episode: Episode,
  deps: PipelineDeps,
) => {
  const item: DigestItem = {
    v: 1,
    kind,
    event,
    stream,
    episodeId: episode.id,
    episode: {
      openedAt: episode.openedAt,
      failedRuns: episode.failedRuns,
      firstLogsUrl: episode.first.logsUrl,
    },
    at: deps.now(),
  };
  await deps.store.set(keys.digest(episode.receivedAt, `${episode.id}:${kind}`), item, { onlyIfNew: true });
};

/** Applies `change` to a stream with a conditional write, re-reading on conflict. */
const updateStream = async <T>(
  stream: string,
  deps: PipelineDeps,
  change: (state: StreamState, exists: boolean) => { next: StreamState | null; result: T },
): Promise<T> => {
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    const entry = await deps.store.get(keys.stream(stream));
    const { next, result: value } = change(asStream(entry?.value, stream), entry !== null);
    if (next === null) return value;
    const written = await deps.store.set(
      keys.stream(stream),
      next,
      entry ? { onlyIfMatch: entry.etag } : { onlyIfNew: true },
    );
    if (written.modified) return value;
    await jitter(deps, attempt);
  }
  throw new Error(`stream ${stream} changed ${MAX_CAS_ATTEMPTS} times during one update`);
};

export const processFailure = async (
  event: FailureEvent,
  deps: PipelineDeps,
  deadline: number,
): Promise<Result> => {
  const key = idempotencyKey(event);
  const stream = streamKey(event);
  const claim = await claimEvent(event, key, deps);
  if (claim.kind === "duplicate") return duplicate(key, claim.record, deps, deadline);

  const applied = await updateStream<Result | Episode>(stream, deps, (state) => {
    const decision = decideFailure(state, event, key);
    switch (decision.kind) {
      case "stale":
        return { next: null, result: result("suppressed", decision.reason, key, stream) };
      case "already_applied":
        return {
          next: null,
          result: result("suppressed", "already counted in the open episode", key, stream),
        };
      case "counted": {
        const next = countFailure(state, event, key);
        const episode = next.episode as Episode;
        const how = episode.delivery === "folded" ? "folded" : "counted";
        const reason = `${how}: episode open since ${episode.openedAt}, ${episode.failedRuns} failed runs`;
        return { next, result: result("suppressed", reason, key, stream) };
      }
      case "open": {
        if (decision.replay && state.episode) return { next: null, result: state.episode };
        const next = openEpisode(state, event, key, deps.now());
        return { next, result: next.episode as Episode };
      }
    }
  });
  if ("status" in applied) {
    await finishEvent(key, claim, applied, null, deps);
    return applied;
  }
  let episode = applied;
  await deps.store.set(keys.open(stream), { v: 1, stream, episodeId: episode.id });
  if (episode.delivery === "pending") {
    const routing = await route(event, episode, stream, deps);
    episode = await updateStream<Episode>(stream, deps, (state) => {
      if (state.episode?.id !== episode.id) return { next: null, result: { ...episode, ...routing } };
      const next = routeEpisode(state, routing);
      return { next, result: next.episode as Episode };
    });
  }
  if (episode.delivery === "folded") {
    const folded = result(
      "suppressed",
      `folded: commit ${event.commit.sha?.slice(0, 7)} already announced by ${episode.foldedInto}`,
      key,
      stream,
    );
    await finishEvent(key, claim, folded, null, deps);
    return folded;
  }
  if (episode.delivery === "digest") {
    await digestItem("failure", event, stream, episode, deps);
    const queued = result("queued", "storm: grouped into the next digest", key, stream);
    await finishEvent(key, claim, queued, null, deps);
    return queued;
  }
  const outboxKey = await enqueue(
    {
      at: episode.receivedAt,
      id: `${episode.id}:open`,
      kind: "failure",
      summary: `${event.outcome}: ${event.site} ${event.pipeline} ${event.branch ?? ""}`.trim(),
      message: formatFailure(event, {}),
      cause: key,
    },
    deps,
  );
  await finishEvent(key, claim, result("queued", "episode opened"), outboxKey, deps);
  return fromDelivery(await deliver(outboxKey, deps, { deadline }), "episode opened", key, stream);
};

export const processSuccess = async (
  event: RunEvent,
  deps: PipelineDeps,
  deadline: number,
): Promise<Result> => {
  const key = idempotencyKey(event);
  const stream = streamKey(event);
  // The common case (every green run of every site) costs one read and no write.
  const first = await deps.store.get(keys.stream(stream));
  const firstDecision = decideSuccess(asStream(first?.value, stream), event);
  if (firstDecision.kind === "no_episode") return result("ignored", "success; no open episode", key, stream);
  if (firstDecision.kind === "stale") return result("ignored", firstDecision.reason, key, stream);

  const claim = await claimEvent(event, key, deps);
  if (claim.kind === "duplicate") return duplicate(key, claim.record, deps, deadline);

  let closed: Episode | null = null;
  let outboxKey: string | null = null;
  let settled = false;
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS && !settled; attempt++) {
    const entry = await deps.store.get(keys.stream(stream));
    const state = asStream(entry?.value, stream);
    const decision = decideSuccess(state, event);
    if (decision.kind !== "recovered") {
      settled = true;
      break;
    }
    const { episode } = decision;
    // The recovery message is written before the episode closes (claim → send → mark): a crash in
    // between leaves an open episode whose next success finds the same message id, never a lost one.
    // "pending": the opening was not routed yet (its handler died); its failure message will go out alone.
    const alone = episode.delivery === "message" || episode.delivery === "pending";
    if (deps.config.notifyRecovery && alone && outboxKey === null) {
      outboxKey = await enqueue(
        {
          at: deps.now(),
          id: `${episode.id}:recovered`,
          kind: "recovery",
          after: keys.outbox(episode.receivedAt, `${episode.id}:open`),
          summary: `recovered: ${event.site} ${event.pipeline} ${event.branch ?? ""}`.trim(),
          message: formatRecovery(event, {
            openedAt: episode.openedAt,
            failedRuns: episode.failedRuns,
            firstFailureUrl: episode.first.logsUrl,
          }),
          cause: key,
        },
        deps,
      );
    }
    if (deps.config.notifyRecovery && episode.delivery === "digest") {
      await digestItem("recovery", event, stream, episode, deps);
    }
    const written = await deps.store.set(keys.stream(stream), closeEpisode(state, event, key), {
      onlyIfMatch: entry?.etag ?? "",
    });
    if (written.modified) {
      closed = episode;
      settled = true;
    } else {
      await jitter(deps, attempt);
    }
  }
  if (!settled) throw new Error(`stream ${stream} changed ${MAX_CAS_ATTEMPTS} times during one update`);
  if (closed === null) {
    const none = result("ignored", "success; the episode was already closed", key, stream);
    await finishEvent(key, claim, none, null, deps);
    return none;
  }
  await deps.store.delete(keys.open(stream));
  const what = `recovered after ${closed.failedRuns} failed runs`;
  if (outboxKey === null) {
    const quiet = result(
      closed.delivery === "digest" && deps.config.notifyRecovery ? "queued" : "suppressed",
      closed.delivery === "digest" && deps.config.notifyRecovery
        ? `${what}; grouped into the next recovery digest`
        : `${what}; no message (${deps.config.notifyRecovery ? "the episode was folded" : "NOTIFY_RECOVERY=false"})`,
      key,
      stream,
    );
    await finishEvent(key, claim, quiet, null, deps);
    return quiet;
  }
  await finishEvent(key, claim, result("queued", what), outboxKey, deps);
  return fromDelivery(await deliver(outboxKey, deps, { deadline }), what, key, stream);
};
