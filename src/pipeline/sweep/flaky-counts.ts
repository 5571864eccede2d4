import { number, object, record, string } from "zod/mini";
import { dayOf, lastDays } from "../../history/history-day.ts";
import type { Store } from "../../store/store.ts";
import type { Transition } from "../episodes.ts";

/**
 * Per site and UTC day, how many episodes opened ("broken") and how many of the closings were flaky (a run
 * of the same commit passed: nothing was fixed; an automatic re-run that passed is one): `status/flaky`,
 * kept 30 days, at most MAX_SITES sites a day. Written by the sweep alone (under its lease), from the
 * transitions its scan counted once each (docs/architecture.md, "Automatic re-runs").
 */
export const FLAKY_KEY = "status/flaky";
const MAX_SITES = 200;
const countsSchema = object({ opened: number(), flaky: number() });
const flakySchema = object({ days: record(string(), record(string(), countsSchema)) });
type Days = Record<string, Record<string, { opened: number; flaky: number }>>;

export const parseFlakyCounts = (value: unknown): Days => {
  const parsed = flakySchema.safeParse(value);
  return parsed.success ? parsed.data.days : {};
};

export const recordFlakyCounts = async (
  store: Store,
  transitions: readonly Transition[],
  now: number,
): Promise<void> => {
  if (transitions.length === 0) return;
  const kept = new Set(lastDays(now));
  const days: Days = {};
  for (const [day, sites] of Object.entries(parseFlakyCounts(await store.read(FLAKY_KEY))))
    if (kept.has(day)) days[day] = sites;
  for (const t of transitions) {
    if (t.kind === "close" && t.sameCommit !== true) continue;
    const day = dayOf(t.at);
    if (!kept.has(day)) continue;
    const sites = days[day] ?? {};
    days[day] = sites;
    const counts = sites[t.site] ?? (Object.keys(sites).length < MAX_SITES ? { opened: 0, flaky: 0 } : null);
    if (counts === null) continue;
    if (t.kind === "open") counts.opened++;
    else counts.flaky++;
    sites[t.site] = counts;
  }
  await store.set(FLAKY_KEY, { v: 1, days });
};

/** Over the last 30 days, per site: episodes opened (broken) and flaky closings, the most broken first. */
export const flakyBySite = (
  value: unknown,
  now: number,
): Array<{ site: string; broken: number; flaky: number }> => {
  const kept = new Set(lastDays(now));
  const totals = new Map<string, { broken: number; flaky: number }>();
  for (const [day, sites] of Object.entries(parseFlakyCounts(value))) {
    if (!kept.has(day)) continue;
    for (const [site, { opened, flaky }] of Object.entries(sites)) {
      const total = totals.get(site) ?? { broken: 0, flaky: 0 };
      totals.set(site, { broken: total.broken + opened, flaky: total.flaky + flaky });
    }
  }
  return [...totals]
    .map(([site, t]) => ({ site, ...t }))
    .sort((a, b) => b.broken - a.broken || b.flaky - a.flaky || a.site.localeCompare(b.site));
};
