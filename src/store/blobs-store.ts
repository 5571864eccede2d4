import { randomUUID } from "node:crypto";
import { type Store as BlobStore, getStore } from "@netlify/blobs";
import { StoreUnavailableError } from "../errors.ts";
import type { Entry, Store, WriteCondition, WriteResult } from "./store.ts";

export const STORE_NAME = "vigie";

/**
 * @netlify/blobs retries a failing call 5 times, 5 s apart (src/retry.ts): an unreachable store would
 * hold a webhook for 25 s, far past GitHub's 10 s. Each call gets this long, then counts as unavailable.
 */
export const STORE_CALL_TIMEOUT_MS = 3_000;
/** Field added to conditionally written objects when writes are verified (see `verifyConditionalWrites`). */
const NONCE = "__vigieWrite";
const SETTLE_MS = 25;
/** How many listings `get` asks for a key's etag before it gives up (docs/architecture.md, "Store"). */
const ETAG_LISTINGS = 3;
/** How many write nonces a verified record carries: its own and those of the writes it builds on. */
const CHAIN_LENGTH = 8;
const chainOf = (written: unknown): readonly string[] =>
  typeof written === "string"
    ? [written]
    : Array.isArray(written)
      ? written.filter((n): n is string => typeof n === "string")
      : [];

export interface BlobsStoreOptions {
  readonly callTimeoutMs?: number;
  /**
   * When set (epoch ms), each call may take until then instead of `callTimeoutMs`: the caller's own deadline
   * (the webhook's answer, processing's budget) bounds the wait, so a store that is slow but answering,
   * as the local Blobs server is under a burst, is not taken for an unreachable one (a 503 only when the
   * store is really unreachable: docs/architecture.md).
   */
  readonly deadline?: number;
  readonly now?: () => number;
  /**
   * The local Blobs server of Netlify's CLI checks a write's condition and then writes, with awaits in
   * between (@netlify/blobs/dist/server.js `put`): two concurrent `onlyIfNew` writes can both succeed.
   * Netlify Blobs itself is atomic. Under the local runtime (`NETLIFY_DEV=true`), each conditional
   * write is therefore read back after a short settle time, and only the writer whose nonce is there
   * wins; a racing loser sees `{ modified: false }`, as it would in production.
   */
  readonly verifyConditionalWrites?: boolean;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Store on Netlify Blobs, always with strong consistency (a dedup claim read back must see the write).
 * Conditional writes need @netlify/blobs ≥ 10.7.12: before it `setJSON` ignored `onlyIfNew` and
 * `onlyIfMatch`. Every failure of the client becomes StoreUnavailableError, which the routes turn into 503.
 */
export class BlobsStore implements Store {
  readonly #blobs: BlobStore;
  readonly #timeoutMs: number;
  readonly #deadline: number | null;
  readonly #now: () => number;
  readonly #verify: boolean;
  /** Under verification: the write nonces of the last version of each key this store read or wrote. */
  readonly #chains: Map<string, { etag: string; chain: readonly string[] }>;

  constructor(
    blobs: BlobStore,
    options: BlobsStoreOptions = {},
    chains = new Map<string, { etag: string; chain: readonly string[] }>(),
  ) {
    this.#blobs = blobs;
    this.#timeoutMs = options.callTimeoutMs ?? STORE_CALL_TIMEOUT_MS;
    this.#deadline = options.deadline ?? null;
    this.#now = options.now ?? Date.now;
    this.#verify = options.verifyConditionalWrites ?? false;
    this.#chains = chains;
  }

  /**
   * In a function, the store is found from the environment Netlify (or its local runtime) provides.
   * `site` lets scripts and tests point at a BlobsServer: `{ siteID, token, url }`, reached as functions
   * reach it (edge access; @netlify/blobs' API access to a local server loses the list prefix).
   */
  static open(
    site: { siteID: string; token: string; url: string } | null = null,
    options: BlobsStoreOptions = { verifyConditionalWrites: process.env.NETLIFY_DEV === "true" },
  ): BlobsStore {
    try {
      return new BlobsStore(
        site
          ? getStore({
              name: STORE_NAME,
              consistency: "strong",
              siteID: site.siteID,
              token: site.token,
              edgeURL: site.url,
              uncachedEdgeURL: site.url,
            })
          : getStore({ name: STORE_NAME, consistency: "strong" }),
        options,
      );
    } catch (error) {
      // MissingBlobsEnvironmentError: not running under Netlify or its local runtime.
      throw new StoreUnavailableError("open", error);
    }
  }

  /** The same store, whose calls may each take until `deadline` (see BlobsStoreOptions.deadline). */
  withDeadline(deadline: number): BlobsStore {
    return new BlobsStore(
      this.#blobs,
      { callTimeoutMs: this.#timeoutMs, verifyConditionalWrites: this.#verify, deadline, now: this.#now },
      this.#chains,
    );
  }

  async #call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ms = this.#deadline === null ? this.#timeoutMs : Math.max(this.#deadline - this.#now(), 0);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from Netlify Blobs within ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([run(), timeout]);
    } catch (error) {
      throw new StoreUnavailableError(operation, error);
    } finally {
      clearTimeout(timer);
    }
  }

  async get(key: string): Promise<Entry | null> {
    // The local Blobs server never sends an ETag on GET (below). A missing record needs no etag, so its GET
    // comes first: the listing (a walk of the whole directory, slow under a storm) only for one that exists.
    let result = await this.#call("get", () => this.#blobs.getWithMetadata(key, { type: "json" }));
    if (result === null) return null;
    if (!result.etag) {
      // The local Blobs server answers a GET without an ETag (Netlify Blobs sends one), but lists
      // etags. Etag first, content second: if the blob changes in between, the etag is older than the
      // content and the next conditional write fails safe, where the other order could overwrite.
      // A listing that races a write ends early and still answers 200, without the key: it is asked
      // again, and an etag that cannot be had stays empty, which `set` refuses to use (below).
      let etag: string | undefined;
      for (let attempt = 0; attempt < ETAG_LISTINGS && etag === undefined; attempt++) {
        const { blobs } = await this.#call("list", () => this.#blobs.list({ prefix: key }));
        etag = blobs.find((blob) => blob.key === key)?.etag;
      }
      result = await this.#call("get", () => this.#blobs.getWithMetadata(key, { type: "json" }));
      if (result === null) return null;
      result = { ...result, etag: etag ?? "" };
    }
    const value: unknown = result.data;
    const etag = result.etag ?? "";
    if (isPlainObject(value) && NONCE in value) {
      const { [NONCE]: written, ...rest } = value;
      if (etag !== "") this.#remember(key, etag, chainOf(written));
      return { value: rest, etag };
    }
    return { value, etag };
  }

  #remember(key: string, etag: string, chain: readonly string[]): void {
    if (this.#chains.size >= 1_000) this.#chains.clear();
    this.#chains.set(key, { etag, chain });
  }

  async read(key: string): Promise<unknown | null> {
    const result = await this.#call("get", () => this.#blobs.get(key, { type: "json" }));
    if (result === null) return null;
    const value: unknown = result;
    if (isPlainObject(value) && NONCE in value) {
      const { [NONCE]: _written, ...rest } = value;
      return rest;
    }
    return value;
  }

  async set(key: string, value: unknown, condition?: WriteCondition): Promise<WriteResult> {
    // @netlify/blobs drops an empty `onlyIfMatch` and writes unconditionally: a record whose etag could
    // not be had (a partial listing of the local server) must make the write fail, and its caller read
    // again, never overwrite what another writer put there.
    if (condition?.onlyIfMatch !== undefined && condition.onlyIfMatch === "") return { modified: false };
    const nonce = this.#verify && condition && isPlainObject(value) ? randomUUID() : null;
    // The nonces of the writes this one builds on (when it is conditional on what `get` read), so that
    // a writer whose write another has already built on still knows it won.
    const read = this.#chains.get(key);
    const parent =
      condition?.onlyIfMatch !== undefined && read?.etag === condition.onlyIfMatch ? read.chain : [];
    const chain = nonce ? [nonce, ...parent].slice(0, CHAIN_LENGTH) : [];
    const stored = nonce ? { ...(value as Record<string, unknown>), [NONCE]: chain } : value;
    const result = await this.#call("set", () => this.#blobs.setJSON(key, stored, condition ?? {}));
    if (!result.modified) return { modified: false };
    if (nonce) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const after = await this.#call("get", () => this.#blobs.getWithMetadata(key, { type: "json" }));
      const data: unknown = after?.data;
      // Won when this write's nonce is there, or in the chain of a write that built on it since.
      if (!isPlainObject(data) || !chainOf(data[NONCE]).includes(nonce)) return { modified: false };
      const etag = result.etag ?? "";
      if (etag !== "") this.#remember(key, etag, chain);
      return { modified: true, etag };
    }
    return { modified: true, etag: result.etag ?? "" };
  }

  async delete(key: string): Promise<void> {
    await this.#call("delete", () => this.#blobs.delete(key));
  }

  async listVersions(prefix: string): Promise<Array<{ key: string; etag: string }>> {
    const { blobs } = await this.#call("list", () => this.#blobs.list({ prefix }));
    return blobs
      .map(({ key, etag }) => ({ key, etag }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async list(prefix: string): Promise<string[]> {
    const once = async () =>
      (await this.#call("list", () => this.#blobs.list({ prefix }))).blobs.map((blob) => blob.key);
    const keys = new Set(await once());
    if (this.#verify) {
      // The local Blobs server walks its directory while writes rename temp files into it; a listing
      // that meets a vanished temp file ends early and still answers 200. List again until a listing
      // adds nothing (at most three times): a storm count or an outbox scan must not miss entries.
      for (let attempt = 0; attempt < 2; attempt++) {
        const before = keys.size;
        for (const key of await once()) keys.add(key);
        if (keys.size === before) break;
      }
    }
    return [...keys].sort();
  }
}
