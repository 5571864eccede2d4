import { describe, expect, it } from "vitest";
import { enqueue } from "../../../src/pipeline/deliver.ts";
import { keys } from "../../../src/pipeline/keys.ts";
import { RETENTION, sweep } from "../../../src/pipeline/sweep.ts";
import type { Store } from "../../../src/store/store.ts";
import { pipelineFixture } from "./support.ts";

const HOUR = 3_600_000;

/** A Slack app thread record older than its retention: the next prune removes it. */
const expiredThread = async (f: ReturnType<typeof pipelineFixture>, id: string): Promise<string> => {
  const key = keys.thread(id);
  await f.store.set(key, { v: 1, channel: "C1", ts: "1.2", at: f.clock.now() - RETENTION.threads - HOUR });
  return key;
};

describe("sweep", () => {
  it("prunes at most hourly: what expires in between waits for the next hour", async () => {
    const f = pipelineFixture();
    const early = await expiredThread(f, "a");
    await sweep(f.deps);
    expect(await f.store.get(early)).toBeNull();

    f.clock.advance(HOUR / 2);
    const late = await expiredThread(f, "b");
    expect((await sweep(f.deps)).pruned).toBe(0);
    expect(await f.store.get(late)).not.toBeNull();

    f.clock.advance(HOUR / 2);
    expect((await sweep(f.deps)).pruned).toBeGreaterThan(0);
    expect(await f.store.get(late)).toBeNull();
  });

  it("a step that fails is logged and the others still run: a broken digest does not stop the outbox", async () => {
    const f = pipelineFixture();
    await enqueue(
      {
        at: f.clock.now(),
        id: "waiting",
        kind: "failure",
        summary: "waiting",
        message: { text: "waiting", blocks: [], unfurl_links: false, unfurl_media: false },
        cause: null,
      },
      f.deps,
    );
    const expired = await expiredThread(f, "c");
    // One poison record behind the digest step (not the store being down: that may stop a sweep).
    const poisoned: Store = {
      get: (key) => f.store.get(key),
      read: (key) => f.store.read(key),
      set: (key, value, condition) => f.store.set(key, value, condition),
      delete: (key) => f.store.delete(key),
      list: async (prefix) => {
        if (prefix.startsWith("digest/")) throw new TypeError("unreadable digest record");
        return f.store.list(prefix);
      },
    };

    const report = await sweep({ ...f.deps, store: poisoned });

    expect(report).toMatchObject({ sent: 1, digests: 0 });
    expect(f.slack.messages.map((m) => m.text)).toEqual(["waiting"]);
    expect(await f.store.get(expired)).toBeNull();
    expect(f.logs.lines).toContainEqual(
      expect.objectContaining({ level: "error", step: "digests", error: expect.stringContaining("digest") }),
    );
  });

  it("a failing redelivery job does not lose the sweep's report", async () => {
    const f = pipelineFixture();
    const report = await sweep(f.deps, {
      redeliver: async () => {
        throw new Error("redelivery bug");
      },
    });
    expect(report).toMatchObject({ redelivered: 0 });
    expect(report.skipped).toBeUndefined();
    expect(f.logs.lines).toContainEqual(expect.objectContaining({ level: "error", step: "redeliver" }));
  });
});
