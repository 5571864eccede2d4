import { keys, PREFIX } from "../pipeline/keys.ts";
import { type Follow, openingMessages, recoveryMessages } from "../pipeline/messages.ts";
import { parseOpenIndex, parseOutboxEntry, parseStream } from "../pipeline/records.ts";
import type { Store } from "../store/store.ts";

/**
 * The one place where `explain` reads vigie's stored records (the store's layout: docs/architecture.md),
 * each through the parser of src/pipeline/records.ts, into the few plain fields explain needs. Should the
 * stored shapes change, this file is the one to adapt.
 */

export interface StoredMessage {
  readonly kind: string;
  readonly destination: string;
  readonly state: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly nextAttemptAt: number | null;
  /** The idempotency key of the event that caused it. */
  readonly cause: string | null;
  readonly summary: string;
}

export interface StoredRun {
  readonly key: string;
  readonly at: number | null;
  readonly status: string | null;
  readonly reason: string;
  readonly messageKeys: readonly string[];
}

export interface StoredStream {
  readonly stream: string;
  readonly site: string | null;
  readonly branch: string | null;
  readonly workflow: string | null;
  readonly episode: {
    readonly openedAt: string;
    readonly failedRuns: number;
    readonly lastFailureAt: string;
    readonly delivery: string;
    readonly foldedInto: string | null;
    readonly reminders: number;
    readonly destinations: readonly string[];
  } | null;
  readonly lastClosedAt: string | null;
  /** Idempotency keys of its most recent runs, oldest first. */
  readonly recent: readonly string[];
}

/** At most this many records of each kind are read for one explanation, this many at once. */
export const MAX_READS = 1_000;
const PARALLEL = 50;

const inWaves = async <T, R>(items: readonly T[], read: (item: T) => Promise<R>): Promise<R[]> => {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += PARALLEL)
    out.push(...(await Promise.all(items.slice(i, i + PARALLEL).map(read))));
  return out;
};

const key = (k: string): string => {
  try {
    return decodeURIComponent(k);
  } catch {
    return k;
  }
};

export const readStream = async (store: Store, stream: string): Promise<StoredStream | null> => {
  const state = parseStream(await store.read(keys.stream(stream)), stream);
  if (state === null) return null;
  const episode = state.episode;
  return {
    stream,
    site: episode?.first.site ?? null,
    branch: episode?.first.branch ?? null,
    workflow: episode?.first.workflow ?? null,
    episode: episode && {
      openedAt: episode.openedAt,
      failedRuns: episode.failedRuns,
      lastFailureAt: episode.lastFailureAt,
      delivery: episode.delivery,
      foldedInto: episode.foldedInto,
      reminders: episode.reminders,
      destinations: (episode.routes ?? []).map((route) => route.destination),
    },
    lastClosedAt: state.lastClosed?.closedAt ?? null,
    recent: state.recent,
  };
};

/**
 * What one recent run of a stream came to, from the stream record itself (its episode's opener, its last
 * closing, the keys it applied) and the messages the pipeline derives from them (src/pipeline/messages.ts).
 */
export const readRun = async (
  store: Store,
  idempotencyKey: string,
  stream: string,
  follow: Follow,
): Promise<StoredRun> => {
  const state = parseStream(await store.read(keys.stream(stream)), stream);
  const run = (status: string | null, reason: string, messageKeys: readonly string[] = []): StoredRun => ({
    key: idempotencyKey,
    at: null,
    status,
    reason,
    messageKeys,
  });
  if (state === null) return run(null, "no record of its stream (pruned 90 days after it closed)");
  const { lastClosed } = state;
  const closedEpisode = lastClosed?.episode?.openedBy === idempotencyKey ? lastClosed.episode : null;
  const episode = state.episode?.openedBy === idempotencyKey ? state.episode : closedEpisode;
  if (episode) {
    const keysOf = openingMessages(episode, follow).map((m) => m.key);
    const how =
      episode.delivery === "folded"
        ? `folded into ${episode.foldedInto ?? "the other source's episode"}`
        : episode.delivery === "muted"
          ? "muted by ROUTES"
          : episode.delivery === "digest"
            ? "grouped into its storm digest"
            : "announced";
    const status = keysOf.length > 0 ? "notified" : episode.delivery === "digest" ? "queued" : "suppressed";
    return run(
      status,
      `opened the episode${episode === closedEpisode ? " (since closed)" : ""}: ${how}`,
      keysOf,
    );
  }
  if (lastClosed?.closedBy === idempotencyKey) {
    const keysOf =
      lastClosed.episode && lastClosed.receivedAt !== undefined
        ? recoveryMessages(lastClosed.episode, lastClosed.receivedAt, follow).map((m) => m.key)
        : [];
    return run(keysOf.length > 0 ? "notified" : "suppressed", "closed the episode (a recovery)", keysOf);
  }
  if (state.recent.includes(idempotencyKey)) {
    return run(
      "suppressed",
      state.episode
        ? "counted in the open episode"
        : "remembered: a success, or a result older than the newest",
    );
  }
  return run(null, "not among the stream's recent runs");
};

export const readMessage = async (store: Store, outboxKey: string): Promise<StoredMessage | null> => {
  const entry = parseOutboxEntry(await store.read(outboxKey));
  return (
    entry && {
      kind: entry.kind,
      destination: entry.destination ?? "default",
      state: entry.state,
      attempts: entry.attempts,
      lastError: entry.lastError,
      nextAttemptAt: entry.state === "pending" ? entry.nextAttemptAt : null,
      cause: entry.cause,
      summary: entry.summary,
    }
  );
};

/** The streams of open episodes (their index names them). */
export const openStreams = async (store: Store): Promise<{ streams: string[]; truncated: boolean }> => {
  const all = await store.list(PREFIX.open);
  const streams = await inWaves(
    all.slice(0, MAX_READS),
    async (k) => parseOpenIndex(await store.read(k))?.stream ?? null,
  );
  return { streams: streams.filter((s) => s !== null), truncated: all.length > MAX_READS };
};

/** Stream keys as stored (decoded), to match a name or an id against. */
export const streamKeys = async (store: Store): Promise<string[]> =>
  (await store.list(PREFIX.streams)).map((k) => key(k.slice(PREFIX.streams.length)));

/** The newest outbox entries (kept a day, dead ones a week): their summaries name sites. */
export const recentMessages = async (
  store: Store,
): Promise<{ keys: string[]; messages: StoredMessage[] }> => {
  const outbox = (await store.list(PREFIX.outbox)).slice(-MAX_READS);
  const messages = await inWaves(outbox, (k) => readMessage(store, k));
  return { keys: outbox, messages: messages.filter((m) => m !== null) };
};
