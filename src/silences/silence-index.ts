import { array, literal, object, unknown } from "zod/mini";
import { conditionalUpdate } from "../store/conditional-update.ts";
import type { Store } from "../store/store.ts";
import { parseSilence, type Silence } from "./silence-record.ts";

/**
 * Every stored silence in one record (`status/silences`), for the pipeline (docs/architecture.md,
 * "Silences"): an opening, a recovery, the digests and the reminders each read this one record, never a
 * listing of `silences/`. Kept by the writers of `silences/<id>` with conditional writes (add, remove),
 * so two concurrent mutes never drop one another. An unreadable entry is dropped, never cast.
 */
export const SILENCE_INDEX_KEY = "status/silences";
const indexSchema = object({ v: literal(1), silences: array(unknown()) });

export const parseSilenceIndex = (value: unknown): Silence[] => {
  const parsed = indexSchema.safeParse(value);
  if (!parsed.success) return [];
  return parsed.data.silences.map(parseSilence).filter((s): s is Silence => s !== null);
};

/** Every silence the index holds (ended ones the sweep has not removed yet included). */
export const readSilenceIndex = async (store: Store): Promise<Silence[]> =>
  parseSilenceIndex(await store.read(SILENCE_INDEX_KEY));

/** The index with `add` put in (replacing one of the same id) and the ids of `remove` taken out. */
export const updateSilenceIndex = async (
  store: Store,
  change: { readonly add?: Silence; readonly remove?: readonly string[] },
): Promise<void> => {
  const removed = new Set(change.remove ?? []);
  const outcome = await conditionalUpdate(store, SILENCE_INDEX_KEY, parseSilenceIndex, (silences) => {
    const kept = silences.filter((s) => !removed.has(s.id) && s.id !== change.add?.id);
    const next = change.add ? [...kept, change.add] : kept;
    if (next.length === silences.length && !change.add) return { write: false, value: null };
    return { write: true, next: { v: 1, silences: next }, value: null };
  });
  if (outcome.kind === "contention") throw new Error("the silences index changed too often to update");
};
