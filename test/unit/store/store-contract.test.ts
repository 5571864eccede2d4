import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getStore } from "@netlify/blobs";
import { BlobsServer } from "@netlify/blobs/server";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../../src/errors.ts";
import { BlobsStore } from "../../../src/store/blobs-store.ts";
import { conditionalUpdate } from "../../../src/store/conditional-update.ts";
import { MemoryStore } from "../../../src/store/memory-store.ts";
import type { Store } from "../../../src/store/store.ts";

/**
 * One contract, two implementations: the in-memory store used by unit tests must behave like Netlify
 * Blobs (here a real local BlobsServer from @netlify/blobs/server) for every conditional write.
 */
let server: BlobsServer;
let directory: string;
let port: number;
const token = randomUUID();

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "vigie-blobs-"));
  server = new BlobsServer({ directory, token });
  ({ port } = await server.start());
});

afterAll(async () => {
  await server.stop();
  await rm(directory, { recursive: true, force: true });
});

const blobs = (verify = false): Store =>
  new BlobsStore(
    getStore({
      name: `t${randomUUID().slice(0, 8)}`,
      siteID: "site",
      token,
      // Edge access, as functions get it from Netlify and from its local runtime.
      edgeURL: `http://127.0.0.1:${port}`,
      uncachedEdgeURL: `http://127.0.0.1:${port}`,
      consistency: "strong",
    }),
    { verifyConditionalWrites: verify },
  );

const implementations: Array<[string, () => Store]> = [
  ["MemoryStore", () => new MemoryStore()],
  ["BlobsStore on a local BlobsServer", () => blobs()],
];

describe.each(implementations)("%s", (_name, make) => {
  it("onlyIfNew writes once", async () => {
    const store = make();
    const first = await store.set("a/1", { n: 1 }, { onlyIfNew: true });
    expect(first).toEqual({ modified: true, etag: expect.any(String) });
    expect(await store.set("a/1", { n: 2 }, { onlyIfNew: true })).toEqual({ modified: false });
    expect((await store.get("a/1"))?.value).toEqual({ n: 1 });
  });

  it("onlyIfMatch writes only over the etag it read", async () => {
    const store = make();
    const created = await store.set("b", { n: 1 }, { onlyIfNew: true });
    if (!created.modified) throw new Error("not created");
    const read = await store.get("b");
    expect(read?.etag).toBe(created.etag);
    const updated = await store.set("b", { n: 2 }, { onlyIfMatch: created.etag });
    expect(updated.modified).toBe(true);
    expect(await store.set("b", { n: 3 }, { onlyIfMatch: created.etag })).toEqual({ modified: false });
    expect(await store.set("missing", { n: 1 }, { onlyIfMatch: created.etag })).toEqual({ modified: false });
    expect((await store.get("b"))?.value).toEqual({ n: 2 });
  });

  it("gets null for a missing key, deletes, and lists by prefix in order", async () => {
    const store = make();
    expect(await store.get("nope")).toBeNull();
    await store.set("outbox/2", { n: 2 });
    await store.set("outbox/1", { n: 1 });
    await store.set("events/1", { n: 1 });
    expect(await store.list("outbox/")).toEqual(["outbox/1", "outbox/2"]);
    await store.delete("outbox/1");
    await store.delete("outbox/never-was");
    expect(await store.list("outbox/")).toEqual(["outbox/2"]);
  });

  it("keeps keys with the characters of repositories, branches and event keys", async () => {
    const store = make();
    const key = `events/${encodeURIComponent("github:acme/site-1:123:1")}`;
    await store.set(key, { ok: true }, { onlyIfNew: true });
    expect(await store.list("events/")).toEqual([key]);
  });
});

describe("BlobsStore faults", () => {
  it("an unreachable store is unavailable within the call timeout, not after the client's 25 s of retries", async () => {
    const dead = new BlobsStore(
      getStore({
        name: "x",
        siteID: "s",
        token,
        edgeURL: "http://127.0.0.1:9",
        uncachedEdgeURL: "http://127.0.0.1:9",
        consistency: "strong",
      }),
      { callTimeoutMs: 200 },
    );
    await expect(dead.get("k")).rejects.toThrow(StoreUnavailableError);
    await expect(dead.set("k", {}, { onlyIfNew: true })).rejects.toThrow(StoreUnavailableError);
    await expect(dead.list("p/")).rejects.toThrow(StoreUnavailableError);
  });
});

describe("verified conditional writes (the local Blobs server is not atomic)", () => {
  it("of 20 concurrent onlyIfNew writes to one key, exactly one wins", async () => {
    const store = blobs(true);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.set("claim", { writer: i }, { onlyIfNew: true })),
    );
    const winners = results.flatMap((result, i) => (result.modified ? [i] : []));
    expect(winners).toHaveLength(1);
    expect((await store.get("claim"))?.value).toEqual({ writer: winners[0] });
  });

  it("property: concurrent onlyIfMatch updates from one etag never both win", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 8 }), async (writers) => {
        const store = blobs(true);
        const created = await store.set("k", { v: -1 }, { onlyIfNew: true });
        if (!created.modified) throw new Error("not created");
        const results = await Promise.all(
          Array.from({ length: writers }, (_, i) => store.set("k", { v: i }, { onlyIfMatch: created.etag })),
        );
        const winners = results.flatMap((result, i) => (result.modified ? [i] : []));
        expect(winners.length).toBeLessThanOrEqual(1);
        if (winners.length === 1) expect((await store.get("k"))?.value).toEqual({ v: winners[0] });
      }),
      { numRuns: 10 },
    );
  });
});

describe("conditional writes when the local Blobs server's listing races a write", () => {
  /** Writers renaming temp files into `streams/` while the counter below is updated: its listings end early. */
  const churn = async (store: Store, until: () => boolean) => {
    let n = 0;
    while (!until()) {
      await Promise.all(Array.from({ length: 4 }, (_, i) => store.set(`streams/other-${i}`, { n: n++ })));
    }
  };

  it("an empty etag never makes a write unconditional", async () => {
    const store = blobs(true);
    await store.set("streams/k", { v: 1 }, { onlyIfNew: true });
    expect(await store.set("streams/k", { v: 2 }, { onlyIfMatch: "" })).toEqual({ modified: false });
    expect((await store.get("streams/k"))?.value).toEqual({ v: 1 });
  });

  it("no increment is lost: every read → decide → write keeps its condition", async () => {
    const store = blobs(true);
    await store.set("streams/counter", { n: 0 }, { onlyIfNew: true });
    const updaters = 12;
    let done = false;
    const background = churn(store, () => done);
    const outcomes = await Promise.all(
      Array.from({ length: updaters }, () =>
        conditionalUpdate(
          store,
          "streams/counter",
          (value) => (value as { n: number } | null)?.n ?? 0,
          (n) => ({ write: true, next: { n: n + 1 }, value: n + 1 }),
          { attempts: 200, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
        ),
      ),
    );
    done = true;
    await background;
    const applied = outcomes.filter((outcome) => outcome.kind === "done").length;
    expect((await store.get("streams/counter"))?.value).toEqual({ n: applied });
    expect(applied).toBe(updaters);
  });
});
