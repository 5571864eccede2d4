/**
 * The sweep, run every minute by Netlify's scheduler (locally: POST /.netlify/functions/sweep), is the
 * safety net under every delivery (docs/architecture.md, "The sweep"). Its steps, in order: finish events
 * whose invocation died (the inbox), flush storm digests, queue reminders, record the board's history,
 * send what is due in the outbox (≈1 message/s), prune old state, and redeliver GitHub's failed deliveries
 * when configured. One sweep at a time, through a lease in the store. A step that fails is logged and the
 * next one runs: only an unreachable store ends a sweep early, so one unreadable record cannot stop the
 * outbox every minute.
 */

import { followUpsOf } from "../destinations/follow-ups.ts";
import { digestNotice, reminderNotice } from "../destinations/notice.ts";
import { StoreUnavailableError } from "../errors.ts";
import { recordHistory } from "../history/record-history.ts";
import { describeError } from "../log.ts";
import { DEFAULT_DESTINATION } from "../routing/routes.ts";
import { digestChunks } from "../slack/digest.ts";
import { conditionalUpdate, type Decision } from "../store/conditional-update.ts";
import { deliver, enqueue } from "./deliver.ts";
import { announcedRoutes, type Episode, markReminded, reminderDue } from "./episodes.ts";
import { hash, keys, PREFIX, timeOfKey } from "./keys.ts";
import { readiness } from "./outbox.ts";
import { leaseEnded, type PipelineDeps, process } from "./pipeline.ts";
import {
  parseCommitClaim,
  parseDigestItem,
  parseEventRecord,
  parseInflight,
  parseLease,
  parseOpenIndex,
  parseOutboxEntry,
  parseStream,
  parseThread,
} from "./records.ts";
import { type DigestItem, digestReady } from "./storms.ts";

export interface SweepReport {
  skipped?: string;
  recovered: number;
  digests: number;
  reminders: number;
  sent: number;
  retrying: number;
  dead: number;
  deferred: number;
  pruned: number;
  redelivered: number;
  /** What the history step recorded (episodes opened and closed since the last sweep). */
  history?: { opened: number; closed: number; days: number };
}

/** Scheduled functions may run 30 s (https://docs.netlify.com/build/functions/scheduled-functions/). */
export const SWEEP_BUDGET_MS = 25_000;
const SWEEP_LEASE_MS = 55_000;
/** Pruning (of the pipeline's records, of redelivery's) runs at most this often. */
export const PRUNE_EVERY_MS = 3_600_000;
const DAY = 86_400_000;
export const RETENTION = {
  events: 30 * DAY,
  closedStreams: 90 * DAY,
  commits: 7 * DAY,
  sentMessages: DAY,
  deadMessages: 7 * DAY,
  /** Where the Slack app posted a failure: as long as an episode may stay open and still be answered. */
  threads: 90 * DAY,
  /** A queued digest's trace, against a replay long after (keys.ts). */
  digested: DAY,
} as const;

export interface SweepOptions {
  /** Extra step, e.g. asking GitHub to redeliver failed deliveries. Returns how many it redelivered. */
  readonly redeliver?: (deps: PipelineDeps, deadline: number) => Promise<number>;
}

const acquireLease = async (deps: PipelineDeps): Promise<{ etag: string } | null> => {
  const entry = await deps.store.get(keys.sweepLock);
  if (entry && parseLease(entry.value).until > deps.now()) return null;
  const written = await deps.store.set(
    keys.sweepLock,
    { v: 1, until: deps.now() + SWEEP_LEASE_MS },
    entry ? { onlyIfMatch: entry.etag } : { onlyIfNew: true },
  );
  return written.modified ? { etag: written.etag } : null;
};

const releaseLease = async (deps: PipelineDeps, lease: { etag: string }): Promise<void> => {
  await deps.store.set(keys.sweepLock, { v: 1, until: 0 }, { onlyIfMatch: lease.etag });
};

/**
 * Events accepted whose processing never finished (the invocation died, or the stream was too busy):
 * processed now, with their arrival time, so that they keep their place in a storm.
 */
const recoverInflight = async (deps: PipelineDeps, deadline: number): Promise<number> => {
  let recovered = 0;
  for (const key of await deps.store.list(PREFIX.inflight)) {
    if (deps.now() > deadline) break;
    const inflight = parseInflight(await deps.store.read(key));
    if (!inflight) {
      deps.log("warn", "unreadable inflight record removed", { key });
      await deps.store.delete(key);
      continue;
    }
    if (!leaseEnded(inflight, deps.now())) continue;
    const result = await process(inflight, deps, deadline);
    deps.log("info", "sweep finished an interrupted event", {
      key,
      status: result.status,
      reason: result.reason,
    });
    recovered++;
  }
  return recovered;
};

/**
 * Storm digests: once the oldest waiting item has waited STORM_GROUP_WAIT_SECONDS, one message per
 * destination and kind (storms are per destination: each channel gets the digest of its own sites).
 */
const flushDigests = async (deps: PipelineDeps): Promise<number> => {
  const itemKeys = await deps.store.list(PREFIX.digest);
  if (itemKeys.length === 0) return 0;
  const items: Array<{ key: string; item: DigestItem }> = [];
  for (const key of itemKeys) {
    const item = parseDigestItem(await deps.store.read(key));
    if (item) items.push({ key, item });
    else await deps.store.delete(key);
  }
  let digests = 0;
  const groups = new Map<string, Array<{ key: string; item: DigestItem }>>();
  for (const entry of items) {
    const id = `${entry.item.destination}\n${entry.item.kind}`;
    groups.set(id, [...(groups.get(id) ?? []), entry]);
  }
  for (const group of groups.values()) {
    const first = group[0];
    if (first === undefined) continue;
    const { kind, destination } = first.item;
    if (
      !digestReady(
        group.map(({ item }) => item),
        deps.now(),
        deps.config.stormGroupWaitSeconds,
      )
    )
      continue;
    const oldest = Math.min(...group.map(({ item }) => item.at));
    // Items written before routing keep the id they had; the others carry their destination.
    const where = destination === DEFAULT_DESTINATION ? "" : `:${destination}`;
    const base = `digest:${kind}${where}:${hash(group.map(({ key }) => key).join("\n"), 32)}`;
    const chunks = digestChunks(group.map(({ item }) => item));
    for (const [index, chunk] of chunks.entries()) {
      await enqueue(
        {
          // One millisecond apart, so that the parts are sent in order.
          at: oldest + index,
          id: `${base}:${index}`,
          kind: chunk.length === 1 ? (kind === "failure" ? "failure" : "recovery") : "digest",
          summary: `${kind} digest: ${chunk.length} sites${chunks.length > 1 ? ` (${index + 1}/${chunks.length})` : ""}`,
          message: digestNotice(chunk, kind, { index, count: chunks.length, totalSites: group.length }),
          cause: null,
          destination,
        },
        deps,
      );
    }
    // The trace first, then the item: never a moment with neither (keys.ts, `digested/`).
    await Promise.all(
      group.map(async ({ key }) => {
        await deps.store.set(keys.digested(key), { v: 1, at: deps.now() });
        await deps.store.delete(key);
      }),
    );
    deps.log("info", "storm digest queued", { kind, destination, sites: group.length });
    digests++;
  }
  return digests;
};

/** One reminder per REMINDER_HOURS for each episode still open. */
const queueReminders = async (deps: PipelineDeps): Promise<number> => {
  if (deps.config.reminderHours <= 0) return 0;
  let queued = 0;
  for (const openKey of await deps.store.list(PREFIX.open)) {
    const index = parseOpenIndex(await deps.store.read(openKey));
    if (!index) continue;
    const { stream } = index;
    const now = deps.now();
    const updated = await conditionalUpdate(
      deps.store,
      keys.stream(stream),
      (value) => parseStream(value, stream),
      (state): Decision<Episode | "closed" | null> => {
        if (!state?.episode) return { write: false, value: "closed" };
        if (!reminderDue(state.episode, deps.config.reminderHours, now)) return { write: false, value: null };
        const next = markReminded(state, now);
        return { write: true, next, value: next.episode ?? null };
      },
      { attempts: 3 },
    );
    if (updated.kind !== "done" || updated.value === null) continue;
    if (updated.value === "closed") {
      await deps.store.delete(openKey);
      continue;
    }
    const episode = updated.value;
    const message = reminderNotice(
      episode.first,
      {
        id: episode.id,
        openedAt: episode.openedAt,
        failedRuns: episode.failedRuns,
        lastFailureAt: episode.lastFailureAt,
        lastLogsUrl: episode.lastLogsUrl,
      },
      now,
    );
    // To every destination the opening went to; with the Slack app, in the failure message's thread.
    for (const announced of announcedRoutes(episode)) {
      const threaded =
        announced.delivery === "message" && followUpsOf(deps.config.routing, announced.destination).replies;
      await enqueue(
        {
          at: now,
          id: `${episode.id}:reminder:${episode.reminders}${announced.suffix}`,
          kind: "reminder",
          summary: `still failing: ${episode.first.site} ${episode.first.workflow}`,
          message,
          cause: null,
          destination: announced.destination,
          ...(threaded ? { thread: announced.openingId } : {}),
        },
        deps,
      );
    }
    queued++;
  }
  return queued;
};

/** Sends every due outbox entry, oldest first, at Slack's pace, until the budget is spent. */
const sendDue = async (
  deps: PipelineDeps,
  deadline: number,
  report: Pick<SweepReport, "sent" | "retrying" | "dead" | "deferred">,
): Promise<void> => {
  for (const key of await deps.store.list(PREFIX.outbox)) {
    const entry = parseOutboxEntry(await deps.store.read(key));
    if (!entry) continue;
    const now = deps.now();
    const state = readiness(entry, now);
    if (state === "sent") {
      if (now - (entry.sentAt ?? entry.createdAt) > RETENTION.sentMessages) await deps.store.delete(key);
      continue;
    }
    if (state === "dead") {
      if (now - entry.createdAt > RETENTION.deadMessages) await deps.store.delete(key);
      report.dead++;
      continue;
    }
    if (state !== "due") continue;
    if (now + deps.slackTimeoutMs + deps.slackIntervalMs > deadline) {
      report.deferred++;
      continue;
    }
    const outcome = await deliver(key, deps, { deadline });
    if (outcome.kind === "sent") report.sent++;
    else if (outcome.kind === "failed") report.dead++;
    else report.retrying++;
  }
};

/** At most hourly: forget what no longer matters (see the lifetimes in keys.ts). */
const prune = async (deps: PipelineDeps, deadline: number): Promise<number> => {
  const now = deps.now();
  let pruned = 0;
  for (const key of await deps.store.list(PREFIX.storm)) {
    if (timeOfKey(key) < now - deps.config.stormWindowSeconds * 1000 * 2) {
      await deps.store.delete(key);
      pruned++;
    }
  }
  const marked = await conditionalUpdate(
    deps.store,
    keys.pruneMark,
    parseLease,
    ({ at }) =>
      now - at < PRUNE_EVERY_MS
        ? { write: false, value: false }
        : { write: true, next: { v: 1, at: now }, value: true },
    { attempts: 1 },
  );
  if (marked.kind !== "done" || !marked.value) return pruned;
  for (const key of await deps.store.list(PREFIX.digested)) {
    if (deps.now() > deadline) return pruned;
    if (timeOfKey(key) < now - RETENTION.digested) {
      await deps.store.delete(key);
      pruned++;
    }
  }
  const expired = async (prefix: string, isOld: (value: unknown, key: string) => boolean) => {
    for (const key of await deps.store.list(prefix)) {
      if (deps.now() > deadline) return;
      const value = await deps.store.read(key);
      if (value !== null && isOld(value, key)) {
        await deps.store.delete(key);
        pruned++;
      }
    }
  };
  await expired(PREFIX.events, (v) => {
    const record = parseEventRecord(v);
    return record?.state === "done" && now - record.at > RETENTION.events;
  });
  await expired(PREFIX.threads, (v) => {
    const thread = parseThread(v);
    return thread === null || now - thread.at > RETENTION.threads;
  });
  await expired(PREFIX.commits, (v) => {
    const claim = parseCommitClaim(v);
    return claim !== null && now - claim.at > RETENTION.commits;
  });
  await expired(PREFIX.streams, (v) => {
    const stream =
      typeof (v as { stream?: unknown } | null)?.stream === "string" ? (v as { stream: string }).stream : "";
    const state = parseStream(v, stream);
    if (!state || state.episode !== null) return false;
    const last = Math.max(
      state.lastClosed ? Date.parse(state.lastClosed.closedAt) : 0,
      state.latest ? state.latest.order.finishedAt : 0,
    );
    return now - last > RETENTION.closedStreams;
  });
  return pruned;
};

/** One step of the sweep: its part of the report. `critical` steps end the sweep when they fail. */
interface SweepStep {
  readonly name: string;
  readonly run: (deps: PipelineDeps, deadline: number) => Promise<Partial<SweepReport>>;
}

const STEPS: readonly SweepStep[] = [
  { name: "inflight", run: async (deps, deadline) => ({ recovered: await recoverInflight(deps, deadline) }) },
  { name: "digests", run: async (deps) => ({ digests: await flushDigests(deps) }) },
  { name: "reminders", run: async (deps) => ({ reminders: await queueReminders(deps) }) },
  // Before the outbox, which may spend the rest of the budget: the board's history (src/history/).
  { name: "history", run: async (deps) => ({ history: await recordHistory(deps) }) },
  {
    name: "outbox",
    run: async (deps, deadline) => {
      const part = { sent: 0, retrying: 0, dead: 0, deferred: 0 };
      await sendDue(deps, deadline, part);
      return part;
    },
  },
  { name: "prune", run: async (deps, deadline) => ({ pruned: await prune(deps, deadline) }) },
];

export const sweep = async (deps: PipelineDeps, options: SweepOptions = {}): Promise<SweepReport> => {
  const report: SweepReport = {
    recovered: 0,
    digests: 0,
    reminders: 0,
    sent: 0,
    retrying: 0,
    dead: 0,
    deferred: 0,
    pruned: 0,
    redelivered: 0,
  };
  const deadline = deps.now() + SWEEP_BUDGET_MS;
  const lease = await acquireLease(deps);
  if (!lease) return { ...report, skipped: "another sweep is running" };
  const { redeliver } = options;
  const steps: SweepStep[] = [...STEPS];
  if (redeliver)
    steps.push({ name: "redeliver", run: async (d, at) => ({ redelivered: await redeliver(d, at) }) });
  try {
    for (const step of steps) {
      try {
        Object.assign(report, await step.run(deps, deadline));
      } catch (error) {
        // One failing step must not starve the others (a broken digest must not stop retries); only an
        // unreachable store, which every later step would meet too, ends the sweep (the route answers 503).
        deps.log("error", "sweep step failed", { step: step.name, ...describeError(error) });
        if (error instanceof StoreUnavailableError) throw error;
      }
    }
  } finally {
    await releaseLease(deps, lease).catch(() => undefined);
  }
  deps.log("info", "sweep", { ...report });
  await deps.store.set(keys.sweepStatus, { v: 1, at: deps.now(), report }).catch(() => undefined); // GET /status
  return report;
};
