import type { FailureEvent } from "../event.ts";
import { describeError } from "../log.ts";
import { formatDigest, formatFailure, formatRecovery, formatReminder } from "../slack/format.ts";
import { deliver, enqueue } from "./deliver.ts";
import { markReminded, reminderDue } from "./episodes.ts";
import { hash, keys, PREFIX, timeOfKey } from "./keys.ts";
import { isOutboxEntry, readiness } from "./outbox.ts";
import { asInflight, asStream, EVENT_LEASE_MS, type PipelineDeps, processVerdict } from "./pipeline.ts";
import { classify } from "./policy.ts";
import { type DigestItem, digestReady, isDigestItem } from "./storms.ts";

/**
 * The sweep, run every minute by Netlify's scheduler (locally: POST /.netlify/functions/sweep). In order:
 * finish events whose handler died, flush storm digests, queue reminders, send what is due in the outbox
 * (≈1 message/s), prune old state. One sweep at a time, through a lease in the store.
 */
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
}

/** Scheduled functions may run 30 s (https://docs.netlify.com/build/functions/scheduled-functions/). */
export const SWEEP_BUDGET_MS = 25_000;
const SWEEP_LEASE_MS = 55_000;
const PRUNE_EVERY_MS = 3_600_000;
const DAY = 86_400_000;
export const RETENTION = {
  events: 30 * DAY,
  closedStreams: 90 * DAY,
  commits: 7 * DAY,
  sentMessages: DAY,
  deadMessages: 7 * DAY,
} as const;

export interface SweepOptions {
  /** Extra step, e.g. asking GitHub to redeliver failed deliveries. Returns how many it redelivered. */
  readonly redeliver?: (deps: PipelineDeps, deadline: number) => Promise<number>;
}

const acquireLease = async (deps: PipelineDeps): Promise<{ etag: string } | null> => {
  const now = deps.now();
  const entry = await deps.store.get(keys.sweepLock);
  const until = (entry?.value as { until?: number } | undefined)?.until ?? 0;
  if (entry && until > now) return null;
  const written = await deps.store.set(
    keys.sweepLock,
    { v: 1, until: now + SWEEP_LEASE_MS },
    entry ? { onlyIfMatch: entry.etag } : { onlyIfNew: true },
  );
  return written.modified ? { etag: written.etag } : null;
};

const releaseLease = async (deps: PipelineDeps, lease: { etag: string }): Promise<void> => {
  await deps.store.set(keys.sweepLock, { v: 1, until: 0 }, { onlyIfMatch: lease.etag });
};

/** Events whose handler died between claim and done: run them again (the claim is taken over). */
const recoverInflight = async (deps: PipelineDeps, deadline: number): Promise<number> => {
  let recovered = 0;
  for (const key of await deps.store.list(PREFIX.inflight)) {
    if (deps.now() > deadline) break;
    const entry = await deps.store.get(key);
    const inflight = asInflight(entry?.value);
    if (!inflight) {
      deps.log("warn", "unreadable inflight record removed", { key });
      await deps.store.delete(key);
      continue;
    }
    if (inflight.since + EVENT_LEASE_MS > deps.now()) continue;
    const result = await processVerdict(classify(inflight.event, deps.config), deps, deadline);
    // Processing that went through the claim rewrote or removed the record; one that ended before the
    // claim (nothing left to do) leaves it as it was, so it goes now.
    const after = asInflight((await deps.store.get(key))?.value);
    if (after?.since === inflight.since) await deps.store.delete(key);
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
 * Slack refuses messages whose blocks add up to more than about 12 000 characters
 * (`msg_blocks_too_long`, https://github.com/slackapi/bolt-js/issues/2509), well below the documented
 * 50 blocks × 3000. A big storm is therefore split into several digests, each naming its sites,
 * rather than cut: every site is named somewhere.
 */
export const DIGEST_MAX_CHARS = 12_000;
export const DIGEST_SITES_PER_MESSAGE = 40;

/** Items sorted by workflow, error and site, so that groups stay together across messages. */
export const digestChunks = (items: readonly DigestItem[]): DigestItem[][] => {
  const order = (item: DigestItem) =>
    `${item.event.pipeline}\n${item.event.detail ?? item.event.outcome}\n${item.event.site}`;
  const sorted = [...items].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  const chunks: DigestItem[][] = [];
  for (let i = 0; i < sorted.length; i += DIGEST_SITES_PER_MESSAGE) {
    chunks.push(sorted.slice(i, i + DIGEST_SITES_PER_MESSAGE));
  }
  return chunks;
};

/**
 * A digest of one (the storm's tail, a lone recovery of a storm's site) reads better as the ordinary
 * message of its kind.
 */
const digestMessage = (
  items: readonly DigestItem[],
  kind: DigestItem["kind"],
  part: { index: number; count: number; totalSites: number },
) => {
  const [only] = items;
  if (items.length === 1 && only) {
    return kind === "failure"
      ? formatFailure(only.event as FailureEvent, {})
      : formatRecovery(only.event, {
          openedAt: only.episode.openedAt,
          failedRuns: only.episode.failedRuns,
          firstFailureUrl: only.episode.firstLogsUrl,
        });
  }
  return formatDigest(
    items.map((item) => ({ event: item.event })),
    kind,
    { maxChars: DIGEST_MAX_CHARS, part },
  );
};

/** Storm digests: once the oldest waiting item has waited STORM_GROUP_WAIT_SECONDS, one message per kind. */
const flushDigests = async (deps: PipelineDeps): Promise<number> => {
  const itemKeys = await deps.store.list(PREFIX.digest);
  if (itemKeys.length === 0) return 0;
  const items: Array<{ key: string; item: DigestItem }> = [];
  for (const key of itemKeys) {
    const entry = await deps.store.get(key);
    if (entry && isDigestItem(entry.value)) items.push({ key, item: entry.value });
    else await deps.store.delete(key);
  }
  let digests = 0;
  for (const kind of ["failure", "recovery"] as const) {
    const group = items.filter(({ item }) => item.kind === kind);
    if (
      !digestReady(
        group.map(({ item }) => item),
        deps.now(),
        deps.config.stormGroupWaitSeconds,
      )
    )
      continue;
    const oldest = Math.min(...group.map(({ item }) => item.at));
    const base = `digest:${kind}:${hash(group.map(({ key }) => key).join("\n"), 32)}`;
    const chunks = digestChunks(group.map(({ item }) => item));
    for (const [index, chunk] of chunks.entries()) {
      await enqueue(
        {
          // One millisecond apart, so that the parts are sent in order.
          at: oldest + index,
          id: `${base}:${index}`,
          kind: chunk.length === 1 ? (kind === "failure" ? "failure" : "recovery") : "digest",
          summary: `${kind} digest: ${chunk.length} sites${chunks.length > 1 ? ` (${index + 1}/${chunks.length})` : ""}`,
          message: digestMessage(chunk, kind, { index, count: chunks.length, totalSites: group.length }),
          cause: null,
        },
        deps,
      );
    }
    for (const { key } of group) await deps.store.delete(key);
    deps.log("info", "storm digest queued", { kind, sites: group.length });
    digests++;
  }
  return digests;
};

/** One reminder per REMINDER_HOURS for each episode still open. */
const queueReminders = async (deps: PipelineDeps): Promise<number> => {
  if (deps.config.reminderHours <= 0) return 0;
  let queued = 0;
  for (const openKey of await deps.store.list(PREFIX.open)) {
    const marker = await deps.store.get(openKey);
    const stream = (marker?.value as { stream?: unknown } | undefined)?.stream;
    if (typeof stream !== "string") continue;
    const entry = await deps.store.get(keys.stream(stream));
    const state = asStream(entry?.value, stream);
    if (!entry || !state.episode) {
      await deps.store.delete(openKey);
      continue;
    }
    const now = deps.now();
    if (!reminderDue(state.episode, deps.config.reminderHours, now)) continue;
    const next = markReminded(state, now);
    const written = await deps.store.set(keys.stream(stream), next, { onlyIfMatch: entry.etag });
    if (!written.modified) continue;
    const episode = next.episode ?? state.episode;
    await enqueue(
      {
        at: now,
        id: `${episode.id}:reminder:${episode.reminders}`,
        kind: "reminder",
        summary: `still failing: ${episode.first.site} ${episode.first.pipeline}`,
        message: formatReminder(
          episode.first,
          {
            openedAt: episode.openedAt,
            failedRuns: episode.failedRuns,
            lastFailureAt: episode.lastFailureAt,
            lastLogsUrl: episode.lastLogsUrl,
          },
          now,
        ),
        cause: null,
      },
      deps,
    );
    queued++;
  }
  return queued;
};

/** Sends every due outbox entry, oldest first, at Slack's pace, until the budget is spent. */
const sendDue = async (deps: PipelineDeps, deadline: number, report: SweepReport): Promise<void> => {
  for (const key of await deps.store.list(PREFIX.outbox)) {
    const entry = await deps.store.get(key);
    if (!entry || !isOutboxEntry(entry.value)) continue;
    const now = deps.now();
    const state = readiness(entry.value, now);
    if (state === "sent") {
      if (now - (entry.value.sentAt ?? entry.value.createdAt) > RETENTION.sentMessages)
        await deps.store.delete(key);
      continue;
    }
    if (state === "dead") {
      if (now - entry.value.createdAt > RETENTION.deadMessages) await deps.store.delete(key);
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
  const mark = await deps.store.get(keys.pruneMark);
  const last = (mark?.value as { at?: number } | undefined)?.at ?? 0;
  let pruned = 0;
  for (const key of await deps.store.list(PREFIX.storm)) {
    if (timeOfKey(key) < now - deps.config.stormWindowSeconds * 1000 * 2) {
      await deps.store.delete(key);
      pruned++;
    }
  }
  if (now - last < PRUNE_EVERY_MS) return pruned;
  const written = await deps.store.set(
    keys.pruneMark,
    { v: 1, at: now },
    mark ? { onlyIfMatch: mark.etag } : { onlyIfNew: true },
  );
  if (!written.modified) return pruned;
  const expired = async (prefix: string, isOld: (value: unknown) => boolean) => {
    for (const key of await deps.store.list(prefix)) {
      if (deps.now() > deadline) return;
      const entry = await deps.store.get(key);
      if (entry && isOld(entry.value)) {
        await deps.store.delete(key);
        pruned++;
      }
    }
  };
  const at = (value: unknown, field: string): number => {
    const v = (value as Record<string, unknown> | null)?.[field];
    return typeof v === "number" ? v : Number.POSITIVE_INFINITY;
  };
  await expired(
    PREFIX.events,
    (v) => (v as { state?: string }).state === "done" && now - at(v, "at") > RETENTION.events,
  );
  await expired(PREFIX.commits, (v) => now - at(v, "at") > RETENTION.commits);
  await expired(PREFIX.streams, (v) => {
    const key = (v as { stream?: unknown } | null)?.stream;
    const state = asStream(v, typeof key === "string" ? key : "");
    return (
      state.episode === null &&
      state.lastClosed !== null &&
      now - Date.parse(state.lastClosed.closedAt) > RETENTION.closedStreams
    );
  });
  return pruned;
};

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
  try {
    const steps: Array<[string, () => Promise<void>]> = [
      [
        "inflight",
        async () => {
          report.recovered = await recoverInflight(deps, deadline);
        },
      ],
      [
        "digests",
        async () => {
          report.digests = await flushDigests(deps);
        },
      ],
      [
        "reminders",
        async () => {
          report.reminders = await queueReminders(deps);
        },
      ],
      ["outbox", () => sendDue(deps, deadline, report)],
      [
        "prune",
        async () => {
          report.pruned = await prune(deps, deadline);
        },
      ],
    ];
    const { redeliver } = options;
    if (redeliver) {
      steps.push([
        "redeliver",
        async () => {
          report.redelivered = await redeliver(deps, deadline);
        },
      ]);
    }
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (error) {
        // One failing step must not starve the others (a broken digest must not stop retries).
        deps.log("error", "sweep step failed", { step: name, ...describeError(error) });
        if (name === "inflight" || name === "outbox") throw error;
      }
    }
  } finally {
    await releaseLease(deps, lease).catch(() => undefined);
  }
  deps.log("info", "sweep", { ...report });
  return report;
};
