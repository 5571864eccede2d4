import type { Entry, Store } from "./store.ts";

/**
 * The one read → decide → conditional write loop of vigie (docs/architecture.md, "Store"). Every record
 * that several invocations may change at once (a stream, the Slack rate slot, the sweep's lease, the
 * prune mark) goes through it: read the record and its etag, let `decide` compute the next value, write it
 * with `onlyIfMatch` (or `onlyIfNew` when there was none), and start again from a fresh read when another
 * writer got there first. Running out of attempts is an outcome (`contention`), not an exception: the
 * caller leaves the work to the sweep rather than failing the delivery.
 */
/**
 * `R` is the stored record's type: `parse` may read a view of it (a count out of `{ n }`), `next` is the
 * whole record written back. `conditionalUpdate<S, T, R>` (or a `decide` returning `Decision<T, R>`)
 * checks every written value against it; `Decision<T>` leaves it unchecked.
 */
export type Decision<T, R = unknown> =
  /** Write `next`, then return `value`. */
  | { readonly write: true; readonly next: R; readonly value: T }
  /** Nothing to write: return `value` as it is. */
  | { readonly write: false; readonly value: T };

export type UpdateOutcome<T> =
  | { readonly kind: "done"; readonly value: T; readonly written: boolean }
  | { readonly kind: "contention"; readonly attempts: number };

export interface UpdateOptions {
  /** Default 25: dozens of concurrent writers on one key settle well within that. */
  readonly attempts?: number;
  /** Waits between attempts (jittered); injectable so tests need no real time. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The record as the caller already read it: the first attempt decides on it instead of reading again. */
  readonly initial?: Entry | null;
  /** Told the etag of the write that succeeded (a lease released later with it). */
  readonly onWritten?: (etag: string) => void;
}

const DEFAULT_ATTEMPTS = 25;

/** Full jitter, 5 ms doubling to 200 ms: concurrent losers spread out instead of colliding again. */
const backoff = (attempt: number): number => Math.min(200, 5 * 2 ** Math.min(attempt, 5)) * Math.random();

export const conditionalUpdate = async <S, T, R = unknown>(
  store: Store,
  key: string,
  parse: (value: unknown) => S,
  decide: (current: S, exists: boolean) => Decision<T, R> | Promise<Decision<T, R>>,
  options: UpdateOptions = {},
): Promise<UpdateOutcome<T>> => {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const entry = attempt === 0 && options.initial !== undefined ? options.initial : await store.get(key);
    const decision = await decide(parse(entry?.value ?? null), entry !== null);
    if (!decision.write) return { kind: "done", value: decision.value, written: false };
    const result = await store.set(
      key,
      decision.next,
      entry ? { onlyIfMatch: entry.etag } : { onlyIfNew: true },
    );
    if (result.modified) {
      options.onWritten?.(result.etag);
      return { kind: "done", value: decision.value, written: true };
    }
    if (options.sleep) await options.sleep(backoff(attempt));
  }
  return { kind: "contention", attempts };
};
