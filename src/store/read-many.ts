import type { Store } from "./store.ts";

/** How many reads one wave sends at once: enough to hide latency, few enough not to flood the store. */
export const READ_WAVE = 20;

/**
 * The values of `keys`, in their order, read in waves of `wave` at once (null for a key that is gone).
 * The one batched reader of vigie: the sweep's scan, the history step and the board read through it.
 */
export const readMany = async (
  store: Pick<Store, "read">,
  keys: readonly string[],
  wave: number = READ_WAVE,
): Promise<Array<unknown | null>> => {
  const values: Array<unknown | null> = [];
  for (let i = 0; i < keys.length; i += wave) {
    values.push(...(await Promise.all(keys.slice(i, i + wave).map((key) => store.read(key)))));
  }
  return values;
};
