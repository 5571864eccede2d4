import { array, type infer as Infer, literal, number, object, string } from "zod/mini";
import { describeError } from "../log.ts";
import { keys, PREFIX } from "../pipeline/keys.ts";
import type { PipelineDeps } from "../pipeline/pipeline.ts";
import { parseStream } from "../pipeline/records.ts";
import { conditionalUpdate } from "../store/conditional-update.ts";
import {
  applyToDay,
  dayOf,
  emptyDay,
  HISTORY_DAYS,
  lastDays,
  parseHistoryDay,
  type Recovery,
  splitByDay,
  unionLength,
} from "./history-day.ts";
import { readOpenEpisode } from "./read-open-episode.ts";

/**
 * The sweep's `history` step (docs/architecture.md, "History"): it compares the open episodes with the ones
 * it saw at its last run (`status/history`), and adds to the day records what changed since: episodes
 * opened, episodes closed (a recovery), and each site's broken time. The webhook path writes nothing more
 * (no store round trip before the answer, no contention on a shared day record during a storm); the sweep,
 * one at a time under its lease, is the only writer.
 *
 * Known approximations, both bounded by the sweep's period (a minute): an episode that opens and closes
 * between two sweeps is not counted, and a stream that recovers and fails again between two sweeps reads
 * as one episode.
 */

/** Beyond this many open episodes, newer ones are not tracked (the day records stay bounded anyway). */
export const MAX_TRACKED = 2000;
/**
 * Episodes first seen per run: after a deploy with hundreds open, the first runs share the reading (the
 * rest are seen a minute later, counted on their own opening day all the same) and the outbox step after
 * this one keeps its time.
 */
export const MAX_NEW_PER_RUN = 100;
const PARALLEL_READS = 20;

const trackedSchema = object({
  openKey: string(),
  stream: string(),
  episodeId: string(),
  site: string(),
  source: string(),
  branch: string(),
  workflow: string(),
  openedAt: number(),
  logsUrl: string(),
});
type Tracked = Infer<typeof trackedSchema>;

const trackerSchema = object({ v: literal(1), at: number(), open: array(trackedSchema) });
type Tracker = Infer<typeof trackerSchema>;
const parseTracker = (value: unknown): Tracker | null => {
  const parsed = trackerSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
};

/** What the step needs of the sweep's dependencies. */
export type HistoryDeps = Pick<PipelineDeps, "store" | "now" | "log">;

export interface HistoryReport {
  readonly opened: number;
  readonly closed: number;
  readonly days: number;
}

const mapLimit = async <T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += PARALLEL_READS)
    results.push(...(await Promise.all(items.slice(i, i + PARALLEL_READS).map(run))));
  return results;
};

/** What an open key's stream holds now, as the tracker keeps it; null when it is not (or no longer) open. */
const readOpen = async (deps: HistoryDeps, openKey: string): Promise<Tracked | null> => {
  const found = await readOpenEpisode(deps.store, openKey);
  if (!found) return null;
  const { stream, episode } = found;
  const openedAt = Date.parse(episode.openedAt);
  return {
    openKey,
    stream,
    episodeId: episode.id,
    site: episode.first.site,
    source: episode.first.source,
    branch: episode.first.branch ?? "",
    workflow: episode.first.workflow,
    openedAt: Number.isFinite(openedAt) ? openedAt : episode.receivedAt,
    logsUrl: episode.first.logsUrl,
  };
};

/** How a tracked episode that left the open index ended: closed at `closedAt`, still open, or gone. */
const readClosed = async (
  deps: HistoryDeps,
  tracked: Tracked,
): Promise<{ kind: "closed"; at: number } | { kind: "open" } | { kind: "gone" }> => {
  const state = parseStream(await deps.store.read(keys.stream(tracked.stream)), tracked.stream);
  if (state?.episode?.id === tracked.episodeId) return { kind: "open" };
  if (state?.lastClosed?.episodeId === tracked.episodeId) {
    const at = Date.parse(state.lastClosed.closedAt);
    return { kind: "closed", at: Number.isFinite(at) ? at : deps.now() };
  }
  return { kind: "gone" };
};

interface MutableChange {
  opened: number;
  closed: number;
  siteMs: Map<string, number>;
  recoveries: Recovery[];
}

export const recordHistory = async (deps: HistoryDeps): Promise<HistoryReport> => {
  const now = deps.now();
  const floor = now - HISTORY_DAYS * 86_400_000;
  const tracker = parseTracker(await deps.store.read(keys.historyTracker));
  const known = new Map((tracker?.open ?? []).map((entry) => [entry.openKey, entry]));
  const openKeys = await deps.store.list(PREFIX.open);
  const openSet = new Set(openKeys);

  const fresh = (
    await mapLimit(
      openKeys
        .filter((key) => !known.has(key))
        .slice(0, Math.min(MAX_NEW_PER_RUN, Math.max(0, MAX_TRACKED - known.size))),
      (key) => readOpen(deps, key),
    )
  ).filter((entry) => entry !== null);
  const left = [...known.values()].filter((entry) => !openSet.has(entry.openKey));
  const endings = await mapLimit(left, (entry) => readClosed(deps, entry));

  const changes = new Map<string, MutableChange>();
  const change = (day: string): MutableChange => {
    let found = changes.get(day);
    if (!found) {
      found = { opened: 0, closed: 0, siteMs: new Map(), recoveries: [] };
      changes.set(day, found);
    }
    return found;
  };
  // Broken intervals since the last run, per site: known episodes from the last run, new ones from their
  // opening (at most 30 days back), each up to its close or now.
  const intervals = new Map<string, Array<[number, number]>>();
  const broken = (entry: Tracked, from: number, to: number) => {
    const start = Math.max(from, floor);
    if (to <= start) return;
    intervals.set(entry.site, [...(intervals.get(entry.site) ?? []), [start, to]]);
  };
  const stillOpen: Tracked[] = [];
  for (const entry of known.values()) {
    if (openSet.has(entry.openKey)) {
      broken(entry, tracker?.at ?? now, now);
      stillOpen.push(entry);
    }
  }
  for (const entry of fresh) {
    if (entry.openedAt >= floor) change(dayOf(entry.openedAt)).opened++;
    broken(entry, entry.openedAt, now);
    stillOpen.push(entry);
  }
  left.forEach((entry, i) => {
    const ending = endings[i];
    if (ending?.kind === "open") {
      broken(entry, tracker?.at ?? now, now);
      stillOpen.push(entry);
    } else if (ending?.kind === "closed") {
      const closedAt = Math.min(Math.max(ending.at, entry.openedAt), now);
      broken(entry, tracker?.at ?? now, closedAt);
      if (closedAt >= floor) {
        const day = change(dayOf(closedAt));
        day.closed++;
        const { site, source, branch, workflow, openedAt, logsUrl } = entry;
        day.recoveries.push({ site, source, branch, workflow, openedAt, closedAt, logsUrl });
      }
    }
  });
  // A site's broken time is the union of its streams' intervals, split at midnights. Each site's share of
  // a day is measured separately, so overlapping streams count once per site.
  for (const [site, list] of intervals) {
    const byDay = new Map<string, Array<[number, number]>>();
    for (const [from, to] of list) {
      for (const { day } of splitByDay(from, to)) {
        const dayStart = Date.parse(`${day}T00:00:00Z`);
        const clipped: [number, number] = [Math.max(from, dayStart), Math.min(to, dayStart + 86_400_000)];
        byDay.set(day, [...(byDay.get(day) ?? []), clipped]);
      }
    }
    for (const [day, parts] of byDay) {
      const ms = unionLength(parts);
      if (ms > 0) change(day).siteMs.set(site, ms);
    }
  }

  let written = 0;
  for (const [day, delta] of changes) {
    const updated = await conditionalUpdate(
      deps.store,
      keys.history(day),
      (value) => parseHistoryDay(value, day) ?? emptyDay(day),
      (current) => ({ write: true, next: applyToDay(current, delta), value: null }),
      { attempts: 3 },
    );
    if (updated.kind === "done") written++;
    else deps.log("warn", "history day not written (contention)", { day });
  }
  await deps.store.set(keys.historyTracker, { v: 1, at: now, open: stillOpen.slice(0, MAX_TRACKED) });
  if (!tracker || dayOf(tracker.at) !== dayOf(now)) await pruneHistory(deps, now);
  const report = {
    opened: fresh.length,
    closed: [...changes.values()].reduce((sum, day) => sum + day.closed, 0),
    days: written,
  };
  if (report.opened + report.closed > 0) deps.log("info", "history recorded", { ...report });
  return report;
};

/** Day records older than HISTORY_DAYS go, once a day (the step runs this when the date changes). */
export const pruneHistory = async (deps: HistoryDeps, now: number): Promise<number> => {
  const keep = new Set(lastDays(now).map((day) => keys.history(day)));
  let pruned = 0;
  for (const key of await deps.store.list(PREFIX.history)) {
    if (keep.has(key)) continue;
    try {
      await deps.store.delete(key);
      pruned++;
    } catch (error) {
      deps.log("warn", "history day not pruned", { key, ...describeError(error) });
    }
  }
  return pruned;
};
