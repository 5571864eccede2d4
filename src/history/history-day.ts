import { array, type infer as Infer, literal, number, object, string } from "zod/mini";

/**
 * The board's history (docs/architecture.md, "History"): one compact record per UTC day,
 * `history/<YYYY-MM-DD>`, written by the sweep's `history` step only, kept 30 days. Bounded whatever
 * happens: at most MAX_SITES_PER_DAY sites by name (the others summed in `othersMs`) and the
 * MAX_RECOVERIES_PER_DAY newest recoveries (all of them counted in `closed`).
 */
export const HISTORY_DAYS = 30;
export const MAX_SITES_PER_DAY = 100;
export const MAX_RECOVERIES_PER_DAY = 200;
const DAY_MS = 86_400_000;

const recoverySchema = object({
  site: string(),
  source: string(),
  branch: string(),
  workflow: string(),
  openedAt: number(),
  closedAt: number(),
  logsUrl: string(),
});
export type Recovery = Infer<typeof recoverySchema>;

const historyDaySchema = object({
  v: literal(1),
  day: string(),
  /** Episodes opened that day (by their first failed run's time). */
  opened: number(),
  /** Episodes closed that day (by the time of the run that closed them). */
  closed: number(),
  /** Broken time of each site that day, in ms (a site's streams overlapping count once). */
  sites: array(object({ site: string(), ms: number() })),
  othersMs: number(),
  recoveries: array(recoverySchema),
});
export type HistoryDay = Infer<typeof historyDaySchema>;

/** What one sweep adds to one day. */
export interface DayChange {
  readonly opened: number;
  readonly closed: number;
  readonly siteMs: ReadonlyMap<string, number>;
  readonly recoveries: readonly Recovery[];
}

/** `YYYY-MM-DD` of a time, in UTC. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The last `count` days up to the one holding `now`, oldest first. */
export const lastDays = (now: number, count = HISTORY_DAYS): string[] =>
  Array.from({ length: count }, (_, i) => dayOf(now - (count - 1 - i) * DAY_MS));

export const emptyDay = (day: string): HistoryDay => ({
  v: 1,
  day,
  opened: 0,
  closed: 0,
  sites: [],
  othersMs: 0,
  recoveries: [],
});

/** A day record, or null when it is missing, of another day or unreadable. */
export const parseHistoryDay = (value: unknown, day: string): HistoryDay | null => {
  const parsed = historyDaySchema.safeParse(value);
  return parsed.success && parsed.data.day === day ? parsed.data : null;
};

/** `[from, to)` cut at UTC midnights: how many ms fall on each day. */
export const splitByDay = (from: number, to: number): Array<{ day: string; ms: number }> => {
  const parts: Array<{ day: string; ms: number }> = [];
  for (let start = from; start < to; ) {
    const end = Math.min(to, (Math.floor(start / DAY_MS) + 1) * DAY_MS);
    parts.push({ day: dayOf(start), ms: end - start });
    start = end;
  }
  return parts;
};

/** Total length of the union of intervals (two broken streams of one site count once). */
export const unionLength = (intervals: ReadonlyArray<readonly [number, number]>): number => {
  let total = 0;
  let reach = Number.NEGATIVE_INFINITY;
  for (const [from, to] of [...intervals].sort((a, b) => a[0] - b[0])) {
    const start = Math.max(from, reach);
    if (to > start) {
      total += to - start;
      reach = to;
    }
  }
  return total;
};

/** The day with a change applied, cut back to its bounds (the smallest sites go to `othersMs`). */
export const applyToDay = (day: HistoryDay, change: DayChange): HistoryDay => {
  const siteMs = new Map(day.sites.map(({ site, ms }) => [site, ms]));
  for (const [site, ms] of change.siteMs) siteMs.set(site, (siteMs.get(site) ?? 0) + ms);
  const sites = [...siteMs]
    .map(([site, ms]) => ({ site, ms }))
    .sort((a, b) => b.ms - a.ms || a.site.localeCompare(b.site));
  const kept = sites.slice(0, MAX_SITES_PER_DAY);
  const othersMs = day.othersMs + sites.slice(MAX_SITES_PER_DAY).reduce((sum, { ms }) => sum + ms, 0);
  const recoveries = [...day.recoveries, ...change.recoveries]
    .sort((a, b) => a.closedAt - b.closedAt)
    .slice(-MAX_RECOVERIES_PER_DAY);
  return {
    v: 1,
    day: day.day,
    opened: day.opened + change.opened,
    closed: day.closed + change.closed,
    sites: kept,
    othersMs,
    recoveries,
  };
};
