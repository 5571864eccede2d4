import { literal, number, object } from "zod/mini";
import { describeError } from "../log.ts";
import { keys, PREFIX } from "../pipeline/keys.ts";
import type { PipelineDeps } from "../pipeline/pipeline.ts";
import type { ScanResult } from "../pipeline/sweep/scan.ts";
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

/**
 * The sweep's `history` step (docs/architecture.md, "The board and its history"): what the scan of the
 * streams saw since the last run, added to the day records. Episodes opened and closed are counted from
 * the streams' own transitions, each once by its number, so an episode that opens and closes between two
 * sweeps counts, and so does a stream that recovers and fails again; each site's broken time since the
 * last run comes from the open episodes and the closings (its streams' intervals merged, so overlapping
 * streams count once, cut at UTC midnights). The webhook path writes nothing for it; the sweep, one at a
 * time under its lease, is the only writer.
 */

/** What the step needs of the sweep's dependencies. */
export type HistoryDeps = Pick<PipelineDeps, "store" | "now" | "log">;

export interface HistoryReport {
  readonly opened: number;
  readonly closed: number;
  readonly days: number;
}

const trackerSchema = object({ v: literal(1), at: number() });
const parseLastRun = (value: unknown): number | null => {
  const parsed = trackerSchema.safeParse(value);
  return parsed.success ? parsed.data.at : null;
};

interface MutableChange {
  opened: number;
  closed: number;
  siteMs: Map<string, number>;
  recoveries: Recovery[];
}

export const recordHistory = async (
  deps: HistoryDeps,
  scan: Pick<ScanResult, "transitions" | "open">,
): Promise<HistoryReport> => {
  const now = deps.now();
  const floor = now - HISTORY_DAYS * 86_400_000;
  const last = parseLastRun(await deps.store.read(keys.historyTracker));
  const changes = new Map<string, MutableChange>();
  const change = (day: string): MutableChange => {
    let found = changes.get(day);
    if (!found) {
      found = { opened: 0, closed: 0, siteMs: new Map(), recoveries: [] };
      changes.set(day, found);
    }
    return found;
  };
  const intervals = new Map<string, Array<[number, number]>>();
  const broken = (site: string, openedAt: number, to: number) => {
    const start = Math.max(last ?? openedAt, openedAt, floor);
    if (to <= start) return;
    intervals.set(site, [...(intervals.get(site) ?? []), [start, to]]);
  };
  for (const open of scan.open) broken(open.site, open.openedAt, now);
  for (const t of scan.transitions) {
    if (t.kind === "open") {
      if (t.openedAt >= floor) change(dayOf(t.openedAt)).opened++;
      continue;
    }
    const closedAt = Math.min(Math.max(t.at, t.openedAt), now);
    broken(t.site, t.openedAt, closedAt);
    if (closedAt >= floor) {
      const day = change(dayOf(closedAt));
      day.closed++;
      const { site, source, branch, workflow, openedAt, logsUrl } = t;
      day.recoveries.push({ site, source, branch, workflow, openedAt, closedAt, logsUrl });
    }
  }
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
  await deps.store.set(keys.historyTracker, { v: 1, at: now });
  if (last === null || dayOf(last) !== dayOf(now)) await pruneHistory(deps, now);
  const report = {
    opened: scan.transitions.filter((t) => t.kind === "open").length,
    closed: scan.transitions.filter((t) => t.kind === "close").length,
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
