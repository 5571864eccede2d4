import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.ts";
import type { WebhookDeps } from "../../../src/http/handle-webhook.ts";
import { handleWebhook } from "../../../src/http/handle-webhook.ts";
import { EVENT_LEASE_MS } from "../../../src/pipeline/pipeline.ts";
import { parseInflight } from "../../../src/pipeline/records.ts";
import { sweep } from "../../../src/pipeline/sweep.ts";
import { baseEnv, type SourceCase, sources, webhookHarness } from "../support.ts";

/**
 * With Netlify's `context.waitUntil` (the `defer` dependency), a failure is answered 202 "accepted" as soon
 * as it is in the inbox; processing, the message included, follows the answer and logs a "processed" line.
 */
const deferred = (c: SourceCase) => {
  const h = webhookHarness(baseEnv);
  const pending: Array<Promise<unknown>> = [];
  const deps: WebhookDeps = { ...h.deps, defer: (work) => pending.push(work) };
  const post = async (request: Request) => {
    const response = await handleWebhook(request, c.source, deps);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const settle = async () => {
    while (pending.length > 0) await pending.shift();
  };
  return { h, post, settle, pending };
};

describe.each(sources)("$name, answered before processing (waitUntil)", (c) => {
  it("a failure: 202 accepted after the inbox write alone, then one message and a processed line", async () => {
    const d = deferred(c);
    const signed = await c.signed(c.failure());
    const answer = await d.post(signed.request());
    expect(answer).toMatchObject({ status: 202, body: { status: "accepted" } });
    // Before the answer: the inbox write and the processed-event read. Nothing sent yet.
    expect(d.h.slack.attempts).toHaveLength(0);
    expect(d.h.deliveryLines()).toEqual([
      expect.objectContaining({ decision: "accepted", status: 202, storeCalls: 2 }),
    ]);
    expect(d.pending).toHaveLength(1);
    await d.settle();
    expect(d.h.slack.attempts).toHaveLength(1);
    const processed = d.h.logs.lines.filter((line) => line.msg === "processed");
    expect(processed).toEqual([
      expect.objectContaining({ decision: "notified", delivery: expect.anything() }),
    ]);
    expect(Number(processed[0]?.storeCalls)).toBeGreaterThan(2);
    expect(Object.keys(d.h.store.snapshot()).filter((key) => key.startsWith("inflight/"))).toEqual([]);
  });

  it("the same delivery again: 200 duplicate, nothing more sent", async () => {
    const d = deferred(c);
    const signed = await c.signed(c.failure());
    await d.post(signed.request());
    await d.settle();
    const again = await d.post(signed.request());
    expect(again).toMatchObject({ status: 200, body: { status: "duplicate" } });
    await d.settle();
    expect(d.h.slack.attempts).toHaveLength(1);
  });

  it("a concurrent copy while the first is being processed: 200 duplicate", async () => {
    const d = deferred(c);
    const signed = await c.signed(c.failure());
    const first = await d.post(signed.request());
    const second = await d.post(signed.request());
    expect(first.status).toBe(202);
    expect(second).toMatchObject({ status: 200, body: { status: "duplicate" } });
    await d.settle();
    expect(d.h.slack.attempts).toHaveLength(1);
  });

  it("processing that fails after the answer is logged, and leaves the event in the inbox for the sweep", async () => {
    const d = deferred(c);
    const signed = await c.signed(c.failure());
    const original = d.h.store.list.bind(d.h.store);
    d.h.store.list = async (prefix) => {
      if (prefix.startsWith("storm/")) throw new Error("list exploded");
      return original(prefix);
    };
    expect((await d.post(signed.request())).status).toBe(202);
    await d.settle();
    expect(d.h.logs.lines).toContainEqual(
      expect.objectContaining({
        level: "error",
        msg: "processing failed after the answer; the sweep will finish it",
      }),
    );
    const inbox = Object.entries(d.h.store.snapshot()).filter(([key]) => key.startsWith("inflight/"));
    expect(inbox).toHaveLength(1);
    // Released: the next sweep takes it at once, not after the 60 s lease (the clock has not moved).
    expect(d.h.logs.lines).toContainEqual(expect.objectContaining({ released: true }));
    expect(parseInflight(inbox[0]?.[1])?.releasedAt).toBeTypeOf("number");
    d.h.store.list = original;
    const report = await sweep(d.h.deps.pipeline(loadConfig(baseEnv)));
    expect(report.recovered).toBe(1);
    expect(d.h.slack.attempts).toHaveLength(1);
    expect(Object.keys(d.h.store.snapshot()).filter((key) => key.startsWith("inflight/"))).toEqual([]);
  });

  it("an entry that could not be released waits for its lease: the sweep leaves it until then", async () => {
    const d = deferred(c);
    const signed = await c.signed(c.failure());
    // The store fails once the event is in the inbox: processing fails, and so does the release.
    let broken = false;
    const store = d.h.store;
    const methods = ["get", "read", "set", "delete", "list"] as const;
    const originals = Object.fromEntries(methods.map((m) => [m, store[m].bind(store)]));
    for (const m of methods) {
      Object.assign(store, {
        [m]: async (...args: unknown[]) => {
          if (broken) throw new Error(`${m} exploded`);
          const done = await (originals[m] as (...a: unknown[]) => Promise<unknown>)(...args);
          if (m === "set" && String(args[0]).startsWith("inflight/")) broken = true;
          return done;
        },
      });
    }
    expect((await d.post(signed.request())).status).toBe(202);
    await d.settle();
    expect(d.h.logs.lines).toContainEqual(
      expect.objectContaining({
        msg: "processing failed after the answer; the sweep will finish it",
        released: false,
      }),
    );
    broken = false;
    expect((await sweep(d.h.deps.pipeline(loadConfig(baseEnv)))).recovered).toBe(0);
    expect(d.h.slack.attempts).toHaveLength(0);
    d.h.advance(EVENT_LEASE_MS);
    expect((await sweep(d.h.deps.pipeline(loadConfig(baseEnv)))).recovered).toBe(1);
    expect(d.h.slack.attempts).toHaveLength(1);
  });

  it("an ignored delivery touches no store and defers nothing", async () => {
    const d = deferred(c);
    const answer = await d.post((await c.signed(c.cancelled())).request());
    expect(answer).toMatchObject({ status: 200, body: { status: "ignored" } });
    expect(d.pending).toHaveLength(0);
    expect(d.h.store.calls).toEqual({ get: 0, set: 0, delete: 0, list: 0 });
  });
});
