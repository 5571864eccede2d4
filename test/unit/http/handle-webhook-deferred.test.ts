import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.ts";
import { StoreUnavailableError } from "../../../src/errors.ts";
import type { WebhookDeps } from "../../../src/http/handle-webhook.ts";
import { handleWebhook } from "../../../src/http/handle-webhook.ts";
import { REPAIR_AFTER_MS } from "../../../src/pipeline/sweep/scan.ts";
import { sweep } from "../../../src/pipeline/sweep.ts";
import { baseEnv, type SourceCase, sources, webhookHarness } from "../support.ts";

/**
 * With Netlify's `context.waitUntil` (the `defer` dependency), a failure is answered 202 "accepted" as soon
 * as it is recorded in its stream; its message follows the answer and logs a "processed" line.
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
  it("a failure: 202 accepted once recorded (4 store calls), then one message: 6 store calls in all", async () => {
    const d = deferred(c);
    const signed = await c.signed(c.failure());
    const answer = await d.post(signed.request());
    expect(answer).toMatchObject({ status: 202, body: { status: "accepted" } });
    // Before the answer: the stream, the silences index and the ledger read at once, then the stream written.
    expect(d.h.deliveryLines()).toEqual([
      expect.objectContaining({ decision: "accepted", status: 202, storeCalls: 4 }),
    ]);
    expect(d.pending).toHaveLength(1);
    await d.settle();
    expect(d.h.slack.attempts).toHaveLength(1);
    const processed = d.h.logs.lines.filter((line) => line.msg === "processed");
    expect(processed).toEqual([
      expect.objectContaining({ decision: "notified", delivery: expect.anything(), storeCalls: 6 }),
    ]);
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

  it("processing that fails after the answer is logged; the sweep's scan finishes it, once", async () => {
    const d = deferred(c);
    const signed = await c.signed(c.failure());
    const original = d.h.store.set.bind(d.h.store);
    d.h.store.set = async (key, value, condition) => {
      if (key.startsWith("ledger/")) throw new Error("ledger write exploded");
      return original(key, value, condition);
    };
    expect((await d.post(signed.request())).status).toBe(202);
    await d.settle();
    expect(d.h.logs.lines).toContainEqual(
      expect.objectContaining({
        level: "error",
        msg: "processing failed after the answer; the sweep's scan will finish it",
      }),
    );
    d.h.store.set = original;
    const pipeline = () => d.h.deps.pipeline(loadConfig(baseEnv));
    // Left to its own invocation for REPAIR_AFTER_MS, then announced by the scan.
    expect((await sweep(pipeline())).recovered).toBe(0);
    d.h.advance(REPAIR_AFTER_MS);
    expect((await sweep(pipeline())).recovered).toBe(1);
    expect(d.h.slack.attempts).toHaveLength(1);
    d.h.advance(REPAIR_AFTER_MS);
    expect((await sweep(pipeline())).recovered).toBe(0);
    expect(d.h.slack.attempts).toHaveLength(1);
  });

  it("recorded, but too late for the answer (503): processed right after it, not left for a redelivery", async () => {
    const d = deferred(c);
    const signed = await c.signed(c.failure());
    const original = d.h.store.set.bind(d.h.store);
    let late = true;
    d.h.store.set = async (key, value, condition) => {
      const written = await original(key, value, condition);
      if (late && key.startsWith("streams/")) {
        late = false;
        // The write landed, but after the answer's deadline: the call is reported as failed.
        throw new StoreUnavailableError("set", new Error("no answer from Netlify Blobs within 8000 ms"));
      }
      return written;
    };
    expect(await d.post(signed.request())).toMatchObject({ status: 503 });
    expect(d.h.slack.attempts).toHaveLength(0);
    expect(d.pending).toHaveLength(1);
    await d.settle();
    expect(d.h.slack.attempts).toHaveLength(1);
    // GitHub's redelivery of the 503 later is a duplicate.
    expect(await d.post(signed.request())).toMatchObject({ status: 200, body: { status: "duplicate" } });
    await d.settle();
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
