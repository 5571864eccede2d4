import type { Store } from "./store.ts";

/**
 * Counts the store round trips one delivery makes, for its log line (`storeCalls`), the benchmark and the
 * unit tests that hold each path to its budget (docs/architecture.md, "Store round trips"). `onCall` lets
 * several counted views add up into one count.
 */
export const countingStore = (
  inner: Store,
  onCall: () => void = () => undefined,
): { readonly store: Store; readonly count: () => number } => {
  let calls = 0;
  const counted =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      calls++;
      onCall();
      return call(...args);
    };
  return {
    store: {
      get: counted((key) => inner.get(key)),
      read: counted((key) => inner.read(key)),
      set: counted((key, value, condition) => inner.set(key, value, condition)),
      delete: counted((key) => inner.delete(key)),
      list: counted((prefix) => inner.list(prefix)),
      ...(inner.listVersions
        ? { listVersions: counted((prefix: string) => inner.listVersions?.(prefix) ?? Promise.resolve([])) }
        : {}),
    },
    count: () => calls,
  };
};
