import { describe, expect, it } from "vitest";
import { githubEvent, netlifyEvent } from "../../../samples/events.ts";
import { StoreUnavailableError } from "../../../src/errors.ts";
import type { RunEvent } from "../../../src/event.ts";
import { type PipelineDeps, processVerdict } from "../../../src/pipeline/pipeline.ts";
import { classify } from "../../../src/pipeline/policy.ts";
import { sweep } from "../../../src/pipeline/sweep.ts";
import { validateMessage } from "../../../src/slack/format.ts";
import { beforeEachSet, pipelineFixture, textOf } from "./support.ts";

const at = (minutes: number) => new Date(Date.parse("2026-11-27T10:00:00Z") + minutes * 60_000).toISOString();
const fail = (runId: number, minutes = runId, overrides: Partial<Parameters<typeof githubEvent>[0]> = {}) =>
  githubEvent({ runId, occurredAt: at(minutes), ...overrides });
const pass = (runId: number, minutes = runId, overrides: Partial<Parameters<typeof githubEvent>[0]> = {}) =>
  githubEvent({ runId, occurredAt: at(minutes), outcome: "success", ...overrides });

const run = async (
  fixture: ReturnType<typeof pipelineFixture>,
  event: RunEvent,
  deps: PipelineDeps = fixture.deps,
) => processVerdict(classify(event, deps.config), deps, fixture.deadline());

describe("episodes through the pipeline", () => {
  it("a failure opens an episode and notifies once; a redelivery is a duplicate", async () => {
    const f = pipelineFixture();
    expect(await run(f, fail(1))).toMatchObject({ status: "notified" });
    expect(await run(f, fail(1))).toMatchObject({ status: "duplicate" });
    expect(f.slack.messages).toHaveLength(1);
    expect(textOf(f.slack.messages[0])).toContain("acme/site-1");
    expect(validateMessage(f.slack.messages[0] as never)).toEqual([]);
  });

  it("3 failures then a success give 2 messages: the failure and one recovery naming the count", async () => {
    const f = pipelineFixture();
    await run(f, fail(1));
    expect(await run(f, fail(2))).toMatchObject({
      status: "suppressed",
      reason: expect.stringContaining("2 failed runs"),
    });
    expect(await run(f, fail(3))).toMatchObject({ status: "suppressed" });
    f.clock.advance(3_600_000);
    expect(await run(f, pass(4, 64))).toMatchObject({ status: "notified" });
    expect(f.slack.messages).toHaveLength(2);
    expect(textOf(f.slack.messages[1])).toMatch(/[Rr]ecovered/);
    expect(textOf(f.slack.messages[1])).toContain("3 failed runs");
    // The same success again (a redelivery) changes nothing, without writing anything.
    const writes = f.store.calls.set;
    expect(await run(f, pass(4, 64))).toMatchObject({ status: "ignored" });
    expect(f.store.calls.set).toBe(writes);
    // A newer success is remembered as the stream's newest run (one write), and sends nothing.
    expect(await run(f, pass(5, 70))).toMatchObject({ status: "ignored" });
    expect(f.store.calls.set).toBe(writes + 1);
    expect(f.slack.messages).toHaveLength(2);
  });

  it("a re-run attempt that fails again belongs to the same episode", async () => {
    const f = pipelineFixture();
    await run(f, fail(1));
    expect(await run(f, fail(1, 5, { attempt: 2 }))).toMatchObject({ status: "suppressed" });
    expect(f.slack.messages).toHaveLength(1);
  });

  it("a failure after recovery opens a new episode", async () => {
    const f = pipelineFixture();
    await run(f, fail(1));
    await run(f, pass(2));
    expect(await run(f, fail(3))).toMatchObject({ status: "notified" });
    expect(f.slack.messages).toHaveLength(3);
  });

  it("a late failure of a run older than the recovery does not reopen", async () => {
    const f = pipelineFixture();
    await run(f, fail(1, 1));
    await run(f, pass(2, 10));
    expect(await run(f, fail(3, 5))).toMatchObject({
      status: "suppressed",
      reason: expect.stringContaining("before"),
    });
    expect(f.slack.messages).toHaveLength(2);
  });

  it("cancelled runs neither open nor close an episode", async () => {
    const f = pipelineFixture();
    expect(await run(f, fail(1, 1, { outcome: "cancelled" }))).toMatchObject({ status: "ignored" });
    await run(f, fail(2));
    expect(await run(f, fail(3, 3, { outcome: "cancelled" }))).toMatchObject({ status: "ignored" });
    expect(f.slack.messages).toHaveLength(1);
    expect(await run(f, pass(4))).toMatchObject({ status: "notified" });
  });

  it("NOTIFY_RECOVERY=false closes the episode silently", async () => {
    const f = pipelineFixture({ NOTIFY_RECOVERY: "false" });
    await run(f, fail(1));
    expect(await run(f, pass(2))).toMatchObject({
      status: "suppressed",
      reason: expect.stringContaining("NOTIFY_RECOVERY"),
    });
    expect(f.slack.messages).toHaveLength(1);
    expect(await run(f, fail(3))).toMatchObject({ status: "notified" });
  });

  it("streams are per workflow and branch", async () => {
    const f = pipelineFixture();
    await run(f, fail(1));
    expect(await run(f, fail(2, 2, { workflowId: 8 }))).toMatchObject({ status: "notified" });
    expect(await run(f, fail(3, 3, { branch: "preview" }))).toMatchObject({ status: "notified" });
    expect(f.slack.messages).toHaveLength(3);
  });
});

describe("concurrency", () => {
  it("20 concurrent copies of one delivery give one message", async () => {
    const f = pipelineFixture();
    const results = await Promise.all(Array.from({ length: 20 }, () => run(f, fail(1))));
    expect(f.slack.messages).toHaveLength(1);
    expect(results.filter((r) => r.status === "notified")).toHaveLength(1);
    expect(results.filter((r) => r.status === "duplicate")).toHaveLength(19);
  });

  it("20 concurrent failures of one stream open one episode and count all of them", async () => {
    const f = pipelineFixture();
    await Promise.all(Array.from({ length: 20 }, (_, i) => run(f, fail(i + 1, 1))));
    expect(f.slack.messages).toHaveLength(1);
    const [, stream] = Object.entries(f.store.snapshot()).find(([key]) => key.startsWith("streams/")) ?? [];
    expect(stream).toMatchObject({ episode: { failedRuns: 20 } });
    await Promise.all([run(f, pass(30)), run(f, pass(31)), run(f, pass(30))]);
    expect(f.slack.messages).toHaveLength(2);
  });
});

describe("folding", () => {
  const sha = "abcdef1234567890abcdef1234567890abcdef12";
  const commit = { sha, message: "Theme 2.0", url: null, author: "Ada" };

  it("a Netlify failure of a commit GitHub already announced adds no message", async () => {
    const f = pipelineFixture();
    await run(f, fail(1, 1, { commit }));
    expect(await run(f, netlifyEvent({ commit, occurredAt: at(2) }))).toMatchObject({
      status: "suppressed",
      reason: expect.stringContaining("folded"),
    });
    expect(f.slack.messages).toHaveLength(1);
    // The folded episode closes silently; the announced one recovers with a message.
    expect(
      await run(f, netlifyEvent({ commit, occurredAt: at(3), outcome: "success", deployId: "d2" })),
    ).toMatchObject({
      status: "suppressed",
    });
    await run(f, pass(2, 4));
    expect(f.slack.messages).toHaveLength(2);
  });

  it("works the other way round, and only across sources", async () => {
    const f = pipelineFixture();
    await run(f, netlifyEvent({ commit, occurredAt: at(1) }));
    expect(await run(f, fail(1, 2, { commit }))).toMatchObject({ status: "suppressed" });
    // Another GitHub workflow failing on the same commit is its own news.
    expect(await run(f, fail(2, 3, { commit, workflowId: 99 }))).toMatchObject({ status: "suppressed" });
    expect(f.slack.messages).toHaveLength(1);
  });

  it("a commit whose announced episode has recovered is announced again", async () => {
    const f = pipelineFixture();
    await run(f, fail(1, 1, { commit }));
    await run(f, pass(2, 2));
    f.clock.advance(120_000);
    expect(await run(f, netlifyEvent({ commit, occurredAt: at(5) }))).toMatchObject({ status: "notified" });
  });
});

describe("storms", () => {
  const site = (i: number, minutes = 0, outcome = "failure") =>
    githubEvent({
      repository: `acme/site-${i}`,
      site: `acme/site-${i}`,
      runId: (outcome === "success" ? 2000 : 1000) + i,
      occurredAt: at(minutes),
      outcome,
    });

  it("beyond STORM_THRESHOLD new episodes, the rest go into digests sent by the sweep, every site named", async () => {
    const f = pipelineFixture();
    const results = [];
    for (let i = 1; i <= 60; i++) {
      results.push(await run(f, site(i)));
      f.clock.advance(50);
    }
    expect(results.filter((r) => r.status === "notified")).toHaveLength(5);
    expect(results.filter((r) => r.status === "queued")).toHaveLength(55);
    expect(f.slack.messages).toHaveLength(5);
    // Not before STORM_GROUP_WAIT_SECONDS.
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(5);
    f.clock.advance(30_000);
    await sweep(f.deps);
    // 5 alone, then 55 in digests of at most 40 sites (Slack refuses blocks beyond ≈12 000 characters).
    expect(f.slack.messages).toHaveLength(7);
    const all = f.slack.messages.map(textOf).join("\n");
    for (let i = 1; i <= 60; i++) expect(all).toMatch(new RegExp(`acme/site-${i}\\b`));
    for (const message of f.slack.messages) expect(validateMessage(message)).toEqual([]);
    expect(await f.store.list("digest/")).toEqual([]);
  });

  it("a replay of a digested site's opening (its first attempt died late) names it in no second digest", async () => {
    const f = pipelineFixture({ STORM_THRESHOLD: "2" });
    for (let i = 1; i <= 4; i++) await run(f, site(i));
    f.clock.advance(31_000);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(3);
    expect(textOf(f.slack.messages[2])).toMatch(/acme\/site-3\b[\s\S]*acme\/site-4\b/);
    // A redelivery of site 3's opening announces it again, as the sweep's scan would after a crash.
    expect(await run(f, site(3))).toMatchObject({ status: "duplicate" });
    expect(await f.store.list("digest/")).toEqual([]);
    f.clock.advance(31_000);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(3);
    // The trace is pruned after a day, at the hourly prune.
    expect(await f.store.list("digested/")).toHaveLength(2);
    f.clock.advance(25 * 3_600_000);
    await sweep(f.deps);
    expect(await f.store.list("digested/")).toEqual([]);
  });

  it("a recovery whose invocation died after closing is finished by the sweep's scan, once", async () => {
    const f = pipelineFixture({ STORM_THRESHOLD: "2" });
    for (let i = 1; i <= 4; i++) await run(f, site(i));
    f.clock.advance(31_000);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(3);
    // Site 3's fix closes its episode; the invocation dies before its recovery goes into the digest.
    const broken = beforeEachSet(f.store, (key) => {
      if (key.startsWith("digest/")) throw new StoreUnavailableError("set", new Error("died"));
    });
    await expect(run(f, site(3, 30, "success"), { ...f.deps, store: broken })).rejects.toThrow();
    expect(await f.store.list("digest/")).toEqual([]);
    // Too fresh for the scan at first (its invocation may still be on it), then finished.
    await sweep(f.deps);
    expect(await f.store.list("digest/")).toEqual([]);
    // Its wait counts from the fix's arrival: the sweep after the one that writes the item sends it.
    f.clock.advance(31_000);
    await sweep(f.deps);
    expect(await f.store.list("digest/")).toHaveLength(1);
    f.clock.advance(60_000);
    await sweep(f.deps);
    expect(await f.store.list("digest/")).toEqual([]);
    expect(f.slack.messages).toHaveLength(4);
    expect(textOf(f.slack.messages[3])).toMatch(/acme\/site-3\b/);
    // Later sweeps find nothing more to do; a redelivered fix changes nothing.
    await run(f, site(3, 30, "success"));
    f.clock.advance(31_000);
    await sweep(f.deps);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(4);
  });

  it("recoveries of a storm's sites are grouped too", async () => {
    const f = pipelineFixture({ STORM_THRESHOLD: "2" });
    for (let i = 1; i <= 6; i++) await run(f, site(i));
    f.clock.advance(31_000);
    await sweep(f.deps);
    const before = f.slack.messages.length;
    expect(before).toBe(3);
    for (let i = 1; i <= 6; i++) await run(f, site(i, 30, "success"));
    // The two announced alone recover alone; the four of the digest recover in one digest.
    expect(f.slack.messages.length).toBe(before + 2);
    f.clock.advance(31_000);
    await sweep(f.deps);
    expect(f.slack.messages.length).toBe(before + 3);
    const digest = textOf(f.slack.messages.at(-1));
    for (let i = 3; i <= 6; i++) expect(digest).toContain(`acme/site-${i}`);
  });

  it("outside the window, episodes are announced one by one again", async () => {
    const f = pipelineFixture({ STORM_THRESHOLD: "1", STORM_WINDOW_SECONDS: "10" });
    expect(await run(f, site(1))).toMatchObject({ status: "notified" });
    expect(await run(f, site(2))).toMatchObject({ status: "queued" });
    f.clock.advance(11_000);
    expect(await run(f, site(3))).toMatchObject({ status: "notified" });
  });
});

describe("delivery faults", () => {
  it("Slack 500 then 200: queued, then delivered exactly once by the sweep after the backoff", async () => {
    const f = pipelineFixture();
    f.slack.answers.push({ kind: "retryable", reason: "http 500", status: 500, retryAfterMs: null });
    expect(await run(f, fail(1))).toMatchObject({ status: "queued" });
    expect(f.slack.messages).toHaveLength(0);
    f.clock.advance(1_000);
    await sweep(f.deps);
    expect(f.slack.attempts).toHaveLength(1);
    f.clock.advance(5_000);
    await sweep(f.deps);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(1);
    expect(f.slack.attempts).toHaveLength(2);
  });

  it("a recovery never overtakes its failure message still waiting in the outbox", async () => {
    const f = pipelineFixture();
    f.slack.answers.push({ kind: "retryable", reason: "http 500", status: 500, retryAfterMs: null });
    expect(await run(f, fail(1))).toMatchObject({ status: "queued" });
    expect(await run(f, pass(2))).toMatchObject({
      status: "queued",
      reason: expect.stringContaining("first"),
    });
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(0);
    f.clock.advance(5_000);
    await sweep(f.deps);
    expect(f.slack.messages.map((m) => (textOf(m).includes("Recovered") ? "recovery" : "failure"))).toEqual([
      "failure",
      "recovery",
    ]);
  });

  it("429 Retry-After: nothing is posted inside the window, then exactly once", async () => {
    const f = pipelineFixture();
    f.slack.answers.push({ kind: "retryable", reason: "http 429", status: 429, retryAfterMs: 3_000 });
    expect(await run(f, fail(1))).toMatchObject({ status: "queued" });
    f.clock.advance(2_900);
    await sweep(f.deps);
    expect(f.slack.attempts).toHaveLength(1);
    f.clock.advance(200);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(1);
  });

  it("404 channel_not_found: dead, logged with the reason, never retried by the sweep", async () => {
    const f = pipelineFixture();
    f.slack.answers.push({ kind: "dead", reason: "http 404: channel_not_found", status: 404 });
    expect(await run(f, fail(1))).toMatchObject({ status: "failed" });
    for (let i = 0; i < 5; i++) {
      f.clock.advance(3_600_000);
      await sweep(f.deps);
    }
    expect(f.slack.attempts).toHaveLength(1);
    expect(f.logs.text()).toContain("channel_not_found");
    // A person redelivering the event gives it exactly one more try.
    f.slack.answers.push({ kind: "dead", reason: "http 404: channel_not_found", status: 404 });
    expect(await run(f, fail(1))).toMatchObject({
      status: "failed",
      reason: expect.stringContaining("refused"),
    });
    expect(f.slack.attempts).toHaveLength(2);
  });

  it("gives up after a bounded number of attempts, with a clear log line", async () => {
    const f = pipelineFixture({ REMINDER_HOURS: "0" });
    for (let i = 0; i < 40; i++)
      f.slack.answers.push({ kind: "retryable", reason: "http 503", status: 503, retryAfterMs: null });
    await run(f, fail(1));
    for (let i = 0; i < 40; i++) {
      f.clock.advance(8 * 3_600_000);
      await sweep(f.deps);
    }
    expect(f.slack.attempts.length).toBe(16);
    expect(f.logs.text()).toMatch(/gave up after 16 attempts/);
  });

  it("store unavailable: the error surfaces (503) and Slack is not called", async () => {
    const f = pipelineFixture();
    f.store.fail = true;
    await expect(run(f, fail(1))).rejects.toThrow(StoreUnavailableError);
    expect(f.slack.attempts).toHaveLength(0);
  });

  it("a crash before the streams/ write: nothing is recorded, the answer is 503, a redelivery notifies once", async () => {
    const f = pipelineFixture();
    const crashing = beforeEachSet(f.store, (key) => {
      if (key.startsWith("streams/")) throw new StoreUnavailableError("set", new Error("process died"));
    });
    await expect(run(f, fail(1), { ...f.deps, store: crashing })).rejects.toThrow(StoreUnavailableError);
    expect(f.slack.attempts).toHaveLength(0);
    expect(await run(f, fail(1))).toMatchObject({ status: "notified" });
    expect(await run(f, fail(1))).toMatchObject({ status: "duplicate" });
    expect(f.slack.messages).toHaveLength(1);
  });

  it("a crash before the ledger/ write, after the event was recorded: the sweep's scan announces it, once", async () => {
    const f = pipelineFixture();
    let crashed = false;
    const crashing = beforeEachSet(f.store, (key) => {
      if (!crashed && key.startsWith("ledger/")) {
        crashed = true;
        throw new Error("process died");
      }
    });
    await expect(run(f, fail(1), { ...f.deps, store: crashing })).rejects.toThrow("process died");
    expect(f.slack.attempts).toHaveLength(0);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(0);
    f.clock.advance(31_000);
    await sweep(f.deps);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(1);
    expect(await run(f, fail(1))).toMatchObject({ status: "duplicate" });
    f.clock.advance(31_000);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(1);
  });

  it("a crash after the post, before its outbox entry is written: posted again once the lease ends (at least once)", async () => {
    const f = pipelineFixture();
    const crashing = beforeEachSet(f.store, (key) => {
      if (key.startsWith("outbox/")) throw new Error("process died");
    });
    await expect(run(f, fail(1), { ...f.deps, store: crashing })).rejects.toThrow("process died");
    expect(f.slack.messages).toHaveLength(1);
    // Its ledger lease says someone is posting it: the scan leaves it, and looks again next time.
    await sweep(f.deps);
    f.clock.advance(15_000);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(1);
    f.clock.advance(16_000);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(2);
    f.clock.advance(31_000);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(2);
  });

  it("a recovery while its failure is still being posted waits for it: the failure goes first", async () => {
    const f = pipelineFixture();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    // The first post waits for the gate; every post is then the fixture's Slack.
    const gated = {
      async send(...args: Parameters<typeof f.slack.send>) {
        if (calls++ === 0) await gate;
        return f.slack.send(...args);
      },
    };
    const deps = { ...f.deps, slack: gated };
    const failing = run(f, fail(1), deps);
    while (calls === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    // The failure's post is under way (its outbox entry is written once Slack answers).
    expect(await run(f, pass(2), deps)).toMatchObject({
      status: "queued",
      reason: expect.stringContaining("waiting for the failure message"),
    });
    expect(f.slack.messages).toHaveLength(0);
    release();
    expect(await failing).toMatchObject({ status: "notified" });
    await sweep(deps);
    expect(
      f.slack.messages.map(textOf).map((text) => (text.includes("Recovered") ? "recovery" : "failure")),
    ).toEqual(["failure", "recovery"]);
  });

  it("a sender still within its lease when the scan repairs: left to it, and taken over once the lease ends", async () => {
    const f = pipelineFixture();
    const hanging = { send: () => new Promise<never>(() => undefined) };
    // Recording the event takes 2 s: the ledger's lease starts 2 s after its arrival.
    let recorded = false;
    const slow = beforeEachSet(f.store, (key) => {
      if (!recorded && key.startsWith("streams/")) {
        recorded = true;
        f.clock.advance(2_000);
      }
    });
    const pending = run(f, fail(1), { ...f.deps, store: slow, slack: hanging });
    await new Promise((resolve) => setTimeout(resolve, 10));
    f.clock.advance(29_000);
    await sweep(f.deps);
    expect(f.slack.attempts).toHaveLength(0);
    expect(await f.store.list("outbox/")).toEqual([]);
    f.clock.advance(2_000);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(1);
    void pending;
  });

  it("a sender that died after claiming: the sweep takes over after the lease", async () => {
    const f = pipelineFixture();
    const hanging = { send: () => new Promise<never>(() => undefined) };
    const pending = run(f, fail(1), { ...f.deps, slack: hanging });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(f.slack.attempts).toHaveLength(0);
    await sweep(f.deps);
    expect(f.slack.attempts).toHaveLength(0);
    f.clock.advance(31_000);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(1);
    void pending;
  });
});

describe("rate", () => {
  it("never posts more than one message per interval, the rest waits for the sweep", async () => {
    const f = pipelineFixture({}, { intervalMs: 1_100 });
    const posted: number[] = [];
    const slack = {
      send: async () => {
        posted.push(f.clock.now());
        return { kind: "sent" as const };
      },
    };
    const deps = { ...f.deps, slack };
    const results = [];
    for (let i = 1; i <= 5; i++) {
      results.push(
        await run(f, githubEvent({ repository: `acme/r${i}`, site: `acme/r${i}`, runId: i }), deps),
      );
    }
    for (let round = 0; round < 5; round++) {
      f.clock.advance(1_000);
      await sweep(deps);
    }
    expect(posted).toHaveLength(5);
    for (let i = 1; i < posted.length; i++)
      expect((posted[i] as number) - (posted[i - 1] as number)).toBeGreaterThanOrEqual(1_100);
  });
});

describe("reminders", () => {
  it("an episode still open after REMINDER_HOURS gets one reminder per period", async () => {
    const f = pipelineFixture({ REMINDER_HOURS: "24" });
    await run(f, fail(1));
    f.clock.advance(23 * 3_600_000);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(1);
    f.clock.advance(3_600_000);
    await sweep(f.deps);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(2);
    expect(textOf(f.slack.messages[1])).toMatch(/[Ss]till failing/);
    f.clock.advance(24 * 3_600_000);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(3);
    await run(f, pass(9, 3_000));
    f.clock.advance(48 * 3_600_000);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(4);
  });

  it("REMINDER_HOURS=0 disables reminders", async () => {
    const f = pipelineFixture({ REMINDER_HOURS: "0" });
    await run(f, fail(1));
    f.clock.advance(100 * 3_600_000);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(1);
  });
});

describe("sweep", () => {
  it("one sweep at a time", async () => {
    const f = pipelineFixture();
    const [a, b] = await Promise.all([sweep(f.deps), sweep(f.deps)]);
    expect([a.skipped, b.skipped].filter(Boolean)).toHaveLength(1);
  });

  it("prunes what has expired, at most hourly", async () => {
    const f = pipelineFixture();
    await run(f, fail(1));
    await run(f, pass(2));
    f.clock.advance(91 * 86_400_000);
    const report = await sweep(f.deps);
    expect(report.pruned).toBeGreaterThan(0);
    expect(await f.store.list("events/")).toEqual([]);
    expect(await f.store.list("streams/")).toEqual([]);
    expect(await f.store.list("outbox/")).toEqual([]);
  });
});
