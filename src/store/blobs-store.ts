import { type Store as BlobStore, getStore } from "@netlify/blobs";
import { StoreUnavailableError } from "../http/errors.ts";
import type { Entry, Store, WriteCondition, WriteResult } from "./store.ts";

export const STORE_NAME = "vigie";

/**
 * Store on Netlify Blobs, always with strong consistency (a dedup claim read back must see the write).
 * Conditional writes need @netlify/blobs ≥ 10.7.12: before it `setJSON` ignored `onlyIfNew` and
 * `onlyIfMatch`. Every failure of the client becomes StoreUnavailableError, which the routes turn into 503.
 */
export class BlobsStore implements Store {
  readonly #blobs: BlobStore;

  constructor(blobs: BlobStore) {
    this.#blobs = blobs;
  }

  /**
   * In a function, the store is found from the environment Netlify (or its local runtime) provides.
   * `options` lets tests point at a BlobsServer: `{ siteID, token, apiURL }`.
   */
  static open(options: { siteID: string; token: string; apiURL: string } | null = null): BlobsStore {
    try {
      return new BlobsStore(
        options
          ? getStore({ name: STORE_NAME, consistency: "strong", ...options })
          : getStore({ name: STORE_NAME, consistency: "strong" }),
      );
    } catch (error) {
      // MissingBlobsEnvironmentError: not running under Netlify or its local runtime.
      throw new StoreUnavailableError("open", error);
    }
  }

  async get(key: string): Promise<Entry | null> {
    try {
      const result = await this.#blobs.getWithMetadata(key, { type: "json" });
      if (result === null) return null;
      return { value: result.data, etag: result.etag ?? "" };
    } catch (error) {
      throw new StoreUnavailableError("get", error);
    }
  }

  async set(key: string, value: unknown, condition?: WriteCondition): Promise<WriteResult> {
    try {
      const result = await this.#blobs.setJSON(key, value, condition ?? {});
      return result.modified ? { modified: true, etag: result.etag ?? "" } : { modified: false };
    } catch (error) {
      throw new StoreUnavailableError("set", error);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.#blobs.delete(key);
    } catch (error) {
      throw new StoreUnavailableError("delete", error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    try {
      const { blobs } = await this.#blobs.list({ prefix });
      return blobs.map((blob) => blob.key).sort();
    } catch (error) {
      throw new StoreUnavailableError("list", error);
    }
  }
}
