/**
 * The one storage interface the pipeline sees. It mirrors Netlify Blobs' conditional writes: expected
 * outcomes (the key already exists, the etag moved) are values, like `{ modified: false }` in
 * @netlify/blobs; an unreachable or failing store throws StoreUnavailableError (→ 503).
 */
export interface Entry {
  readonly value: unknown;
  readonly etag: string;
}

export type WriteResult = { readonly modified: true; readonly etag: string } | { readonly modified: false };

/** Exactly one condition, or none: `onlyIfNew` with `onlyIfMatch` is unwritable (as in @netlify/blobs). */
export type WriteCondition =
  | { onlyIfNew: true; onlyIfMatch?: never }
  | { onlyIfMatch: string; onlyIfNew?: never };

export interface Store {
  get(key: string): Promise<Entry | null>;
  /**
   * The value alone, for reads that no conditional write follows: cheaper where the etag costs a request of
   * its own (the local Blobs server sends none on GET, so `get` asks its listing too).
   */
  read(key: string): Promise<unknown | null>;
  /** Unconditional when `condition` is omitted. */
  set(key: string, value: unknown, condition?: WriteCondition): Promise<WriteResult>;
  delete(key: string): Promise<void>;
  /** Every key under the prefix (all pages). */
  list(prefix: string): Promise<string[]>;
  /**
   * Every key under the prefix with its etag, for scans that read only what changed since their last run
   * (the sweep's scan of the streams). Optional: a store without it makes such a scan read every key.
   * A listing may be partial (the local Blobs server's, when it races a write): callers use it only where
   * a missing key is harmless, never to decide.
   */
  listVersions?(prefix: string): Promise<Array<{ readonly key: string; readonly etag: string }>>;
}
