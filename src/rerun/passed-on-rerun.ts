import { array, literal, number, object, string } from "zod/mini";
import { conditionalUpdate } from "../store/conditional-update.ts";
import type { Store } from "../store/store.ts";

/**
 * The episodes that passed on their automatic re-run (docs/architecture.md, "Automatic re-runs"): nothing
 * was posted for them, so the board is where they show. One record, `status/reruns`, the last 30 days,
 * once per episode (a repaired recovery counts it once).
 */
export const PASSED_ON_RERUN_KEY = "status/reruns";
const WINDOW_MS = 30 * 86_400_000;
const MAX_ENTRIES = 2_000;

const entrySchema = object({ episodeId: string(), site: string(), at: number() });
const recordSchema = object({ v: literal(1), passed: array(entrySchema) });
export type PassedOnRerun = { readonly episodeId: string; readonly site: string; readonly at: number };

export const parsePassedOnRerun = (value: unknown): PassedOnRerun[] => {
  const parsed = recordSchema.safeParse(value);
  return parsed.success ? parsed.data.passed : [];
};

export const recordPassedOnRerun = async (store: Store, entry: PassedOnRerun): Promise<void> => {
  await conditionalUpdate(store, PASSED_ON_RERUN_KEY, parsePassedOnRerun, (passed) => {
    if (passed.some((p) => p.episodeId === entry.episodeId)) return { write: false, value: null };
    const kept = passed.filter((p) => entry.at - p.at < WINDOW_MS).slice(-(MAX_ENTRIES - 1));
    return { write: true, next: { v: 1, passed: [...kept, entry] }, value: null };
  });
};

/** Per site, how many episodes passed on their automatic re-run in the 30 days before `now`. */
export const passedOnRerunBySite = async (store: Store, now: number): Promise<Map<string, number>> => {
  const counts = new Map<string, number>();
  for (const p of parsePassedOnRerun(await store.read(PASSED_ON_RERUN_KEY))) {
    if (now - p.at < WINDOW_MS) counts.set(p.site, (counts.get(p.site) ?? 0) + 1);
  }
  return counts;
};
