import { randomBytes } from "node:crypto";
import type { Store } from "../store/store.ts";
import { updateSilenceIndex } from "./silence-index.ts";
import { parseSilence, SILENCES_PREFIX, type Silence, silenceKey } from "./silence-record.ts";
import type { SilenceSpec } from "./silence-spec.ts";

/**
 * Silences in the store (`silences/<id>`), for the Mute control, `npm run silence` and the status route.
 * A new id is written with `onlyIfNew`, so that two silences never share a record. Each change is also
 * made to the index the pipeline reads (src/silences/silence-index.ts).
 */
export const addSilence = async (
  store: Store,
  spec: SilenceSpec,
  by: string,
  now: number,
): Promise<Silence> => {
  for (;;) {
    const id = randomBytes(4).toString("hex");
    const silence: Silence = { v: 1, id, ...spec, by, createdAt: now };
    const written = await store.set(silenceKey(id), silence, { onlyIfNew: true });
    if (!written.modified) continue;
    await updateSilenceIndex(store, { add: silence });
    return silence;
  }
};

/** Every stored silence (expired ones the sweep has not removed yet included), oldest first. */
export const listSilences = async (store: Store): Promise<Silence[]> => {
  const keys = await store.list(SILENCES_PREFIX);
  const values = await Promise.all(keys.map((key) => store.read(key)));
  return values
    .map(parseSilence)
    .filter((silence): silence is Silence => silence !== null)
    .sort((a, b) => a.createdAt - b.createdAt);
};

/**
 * false when there was no such silence. `endedAt`: a person ended it (the CLI, the status route): the index
 * keeps it as ended at that time, so that the sweep announces what it held back, then removes it.
 */
export const removeSilence = async (store: Store, id: string, endedAt?: number): Promise<boolean> => {
  if (!/^[0-9a-f]{1,32}$/.test(id)) return false;
  const existing = await store.read(silenceKey(id));
  const silence = endedAt === undefined ? null : parseSilence(existing);
  await updateSilenceIndex(
    store,
    silence ? { add: { ...silence, until: endedAt ?? 0, untilGreen: false } } : { remove: [id] },
  );
  if (existing === null) return false;
  await store.delete(silenceKey(id));
  return true;
};
