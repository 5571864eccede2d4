import { StoreUnavailableError } from "../errors.ts";
import type { Entry, Store, WriteCondition, WriteResult } from "./store.ts";

/**
 * In-memory Store with the same conditional-write semantics as Netlify Blobs, for unit tests and
 * benchmarks. Values are stored as JSON text, so a caller can never mutate stored state by reference,
 * and `fail` makes every call throw as an unreachable store would.
 */
export class MemoryStore implements Store {
  readonly #data = new Map<string, { json: string; etag: string }>();
  #version = 0;
  /** When set, every operation throws StoreUnavailableError (fault injection). */
  fail = false;
  /** Counts calls per operation, so tests can assert that a path touched no store. */
  readonly calls = { get: 0, set: 0, delete: 0, list: 0 };

  #check(operation: string): void {
    if (this.fail) throw new StoreUnavailableError(operation, new Error("memory store set to fail"));
  }

  async get(key: string): Promise<Entry | null> {
    this.calls.get++;
    this.#check("get");
    const stored = this.#data.get(key);
    return stored ? { value: JSON.parse(stored.json), etag: stored.etag } : null;
  }

  async read(key: string): Promise<unknown | null> {
    return (await this.get(key))?.value ?? null;
  }

  async set(key: string, value: unknown, condition?: WriteCondition): Promise<WriteResult> {
    this.calls.set++;
    this.#check("set");
    const current = this.#data.get(key);
    if (condition?.onlyIfNew && current) return { modified: false };
    if (condition?.onlyIfMatch !== undefined && current?.etag !== condition.onlyIfMatch)
      return { modified: false };
    const etag = `"${++this.#version}"`;
    this.#data.set(key, { json: JSON.stringify(value), etag });
    return { modified: true, etag };
  }

  async delete(key: string): Promise<void> {
    this.calls.delete++;
    this.#check("delete");
    this.#data.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    this.calls.list++;
    this.#check("list");
    return [...this.#data.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  async listVersions(prefix: string): Promise<Array<{ key: string; etag: string }>> {
    this.calls.list++;
    this.#check("list");
    return [...this.#data]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, { etag }]) => ({ key, etag }));
  }

  /** Everything stored, for assertions. */
  snapshot(): Record<string, unknown> {
    return Object.fromEntries([...this.#data].map(([key, { json }]) => [key, JSON.parse(json)]));
  }
}
