import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { githubEvent, netlifyEvent } from "../../../samples/events.ts";
import { boundedEvent, type RunEvent } from "../../../src/event.ts";
import { TIMEOUT_BACKOFF_MS } from "../../../src/pipeline/outbox.ts";
import { accept, processVerdict } from "../../../src/pipeline/pipeline.ts";
import { classify } from "../../../src/pipeline/policy.ts";
import { parseOutboxEntry, parseStream } from "../../../src/pipeline/records.ts";
import { sweep } from "../../../src/pipeline/sweep.ts";
import { DIGEST_SITES_PER_MESSAGE } from "../../../src/slack/format.ts";
import { countingStore } from "../../../src/store/counting-store.ts";
import type { Store } from "../../../src/store/store.ts";
import { pipelineFixture, textOf } from "./support.ts";

type Fixture = ReturnType<typeof pipelineFixture>;
const at = (minutes: number) => new Date(Date.parse("2026-11-27T10:00:00Z") + minutes * 60_000).toISOString();
const run = (f: Fixture, event: RunEvent, store: Store = f.store) =>
  processVerdict(classify(event, f.deps.config), { ...f.deps, store }, f.deadline());

/** The streams whose episode is open, from their records (the `open/` index is the sweep's). */
const openStreams = (f: Fixture): string[] =>
  Object.entries(f.store.snapshot())
    .filter(([key]) => key.startsWith("streams/"))
    .filter(([, value]) => parseStream(value, String((value as { stream: string }).stream))?.episode)
    .map(([key]) => key);

/** GitHub run n of one workflow and branch: started at minute n, finished `duration` minutes later. */
const ghRun = (n: number, outcome: string, duration = 3) =>
  githubEvent({
    runId: 1000 + n,
    runNumber: n,
    startedAt: at(n),
    occurredAt: at(n + duration),
    outcome,
    commit: { sha: `${n}`.padStart(40, "a"), message: `push ${n}`, url: null, author: "Ada" },
  });

describe("order: decisions follow the runs' own time, whatever the arrival order", () => {
  it("a newer success delivered before an older failure: the failure stays silent", async () => {
    const f = pipelineFixture();
    expect(await run(f, ghRun(2, "success"))).toMatchObject({ status: "ignored" });
    expect(await run(f, ghRun(1, "failure"))).toMatchObject({
      status: "suppressed",
      reason: expect.stringContaining("before the newest"),
    });
    expect(f.slack.messages).toHaveLength(0);
    expect(openStreams(f)).toEqual([]);
  });

  it("an older failure finishing after a newer success (a slower run) stays silent too", async () => {
    const f = pipelineFixture();
    await run(f, ghRun(2, "success", 1)); // started at 2, finished at 3
    await run(f, ghRun(1, "failure", 10)); // started at 1, finished at 11
    expect(f.slack.messages).toHaveLength(0);
  });

  it("Netlify: a ready deploy, then an older deploy's error: nothing", async () => {
    const f = pipelineFixture();
    const deploy = (id: string, minute: number, outcome: string) =>
      netlifyEvent({ deployId: id, startedAt: at(minute), occurredAt: at(minute + 2), outcome });
    await run(f, deploy("d2", 2, "success"));
    expect(await run(f, deploy("d1", 1, "deploy_error"))).toMatchObject({ status: "suppressed" });
    expect(f.slack.messages).toHaveLength(0);
  });

  it("A fails, B and C succeed, then D (older than C) fails: one failure, one recovery, nothing more", async () => {
    const f = pipelineFixture();
    await run(f, ghRun(1, "failure"));
    await run(f, ghRun(2, "success"));
    await run(f, ghRun(4, "success"));
    expect(await run(f, ghRun(3, "failure"))).toMatchObject({ status: "suppressed" });
    expect(f.slack.messages).toHaveLength(2);
    expect(textOf(f.slack.messages[1])).toMatch(/[Rr]ecovered/);
  });

  it("an older success never closes an episode a newer failure opened", async () => {
    const f = pipelineFixture();
    await run(f, ghRun(3, "failure"));
    expect(await run(f, ghRun(2, "success"))).toMatchObject({ status: "ignored" });
    expect(openStreams(f)).toHaveLength(1);
    expect(f.slack.messages).toHaveLength(1);
    await run(f, ghRun(4, "success"));
    expect(f.slack.messages).toHaveLength(2);
  });

  it("a re-run attempt started after a newer run's success is the newest result", async () => {
    const f = pipelineFixture();
    await run(f, ghRun(2, "success"));
    const rerun = githubEvent({ ...ghRun(1, "failure"), attempt: 2, startedAt: at(10), occurredAt: at(12) });
    expect(await run(f, rerun)).toMatchObject({ status: "notified" });
  });

  it.each([
    [
      "every order of a failure, a newer success and an older failure",
      [ghRun(2, "failure"), ghRun(3, "success"), ghRun(1, "failure")],
    ],
    [
      "two failures then the success that ends them",
      [ghRun(1, "failure"), ghRun(2, "failure"), ghRun(3, "success")],
    ],
  ])("%s: the same end state in every arrival order", async (_name, runs) => {
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ];
    for (const order of orders) {
      const f = pipelineFixture();
      for (const i of order) await run(f, runs[i] as RunEvent);
      // The newest run is a success: whatever came first, nothing is left open.
      expect(openStreams(f), order.join(",")).toEqual([]);
      expect(f.slack.messages.length, order.join(",")).toBeLessThanOrEqual(2);
    }
  });
});

describe("store calls per delivery, before the answer and in all (the inline send included)", () => {
  /** One delivery: `accept` (before the answer), then what it leaves for after the answer. */
  const counted = async (f: Fixture, event: RunEvent) => {
    const counter = countingStore(f.store);
    const verdict = classify(event, f.deps.config);
    if (verdict.kind === "ignored") throw new Error("expected a failure or a success");
    const deps = { ...f.deps, store: counter.store };
    const accepted = await accept(verdict, deps);
    const before = counter.count();
    const final = accepted.after ? await accepted.after(deps, f.deadline()) : accepted.result;
    return { answer: accepted.result, final, before, total: counter.count(), after: accepted.after };
  };

  // A failure reads the silences index (one record, never a listing) in its first round trip; after the
  // answer the ledger lets it in (with the send's lease), the post goes, and its outbox entry is written
  // once, as the post left it (docs/architecture.md, "Store calls per delivery").
  it("a notified failure: 4 before the answer (stream, silences and ledger read at once, the stream written), 6 in all", async () => {
    const f = pipelineFixture({}, { intervalMs: 1_000 });
    const { answer, final, before, total } = await counted(f, ghRun(1, "failure"));
    expect(answer).toMatchObject({ status: "accepted" });
    expect(final).toMatchObject({ status: "notified" });
    expect(before).toBe(4);
    expect(total).toBe(6);
  });

  it("a digested failure (a storm): 4 before the answer, 5 in all", async () => {
    const f = pipelineFixture({ STORM_THRESHOLD: "1" }, { intervalMs: 1_000 });
    await run(f, githubEvent({ site: "acme/other", repository: "acme/other", runId: 77 }));
    const { final, before, total } = await counted(f, ghRun(1, "failure"));
    expect(final).toMatchObject({ status: "queued", reason: expect.stringContaining("digest") });
    expect(before).toBe(4);
    expect(total).toBe(5);
  });

  // At once: every opener read the ledger before any was let in, so all were routed alone before the
  // answer; after it, the ledger's conditional write lets T in and sends the others to the digest. Those
  // pay the lost write and the fresh read, then write their stream with the etag of their own write
  // (no read), then the digest item.
  it("a storm at once: the openers the ledger turns away after the answer cost 8 in all, 4 before it", async () => {
    const f = pipelineFixture({ STORM_THRESHOLD: "1" }, { intervalMs: 1_000 });
    const counters = [countingStore(f.store), countingStore(f.store)];
    const accepted = await Promise.all(
      counters.map(async (counter, i) => {
        const event = githubEvent({ site: `acme/site-${i}`, repository: `acme/site-${i}`, runId: i + 1 });
        const verdict = classify(event, f.deps.config);
        if (verdict.kind !== "failure") throw new Error("expected a failure");
        return accept(verdict, { ...f.deps, store: counter.store });
      }),
    );
    expect(accepted.map((a) => a.result.status)).toEqual(["accepted", "accepted"]);
    expect(counters.map((c) => c.count())).toEqual([4, 4]);
    const finals = [];
    for (const [i, a] of accepted.entries()) {
      const store = counters[i]?.store;
      if (!store) throw new Error("one counter per delivery");
      finals.push(a.after ? await a.after({ ...f.deps, store }, f.deadline()) : a.result);
    }
    expect(finals.map((r) => r.status)).toEqual(["notified", "queued"]);
    expect(counters.map((c) => c.count())).toEqual([6, 8]);
  });

  it("a green run with no episode: 1 before the answer, 2 in all (remembered as the newest run)", async () => {
    const f = pipelineFixture();
    const { answer, before, total } = await counted(f, ghRun(2, "success"));
    expect(answer).toMatchObject({ status: "ignored" });
    expect([before, total]).toEqual([1, 2]);
    // The older failure delivered now stays silent: the success was remembered.
    expect(await run(f, ghRun(1, "failure"))).toMatchObject({ status: "suppressed" });
    expect(f.slack.messages).toHaveLength(0);
  });

  it("a counted failure of an open episode: 4, all before the answer", async () => {
    const f = pipelineFixture();
    await run(f, ghRun(1, "failure"));
    const { final, before, total } = await counted(f, ghRun(2, "failure"));
    expect(final).toMatchObject({ status: "suppressed", reason: expect.stringContaining("counted") });
    expect([before, total]).toEqual([4, 4]);
  });

  it("a redelivery of a notified failure: 3 before its duplicate answer, its message checked after it", async () => {
    const f = pipelineFixture();
    await run(f, ghRun(1, "failure"));
    const { answer, final, before, total } = await counted(f, ghRun(1, "failure"));
    expect(answer).toMatchObject({ status: "duplicate" });
    expect(final).toMatchObject({ status: "duplicate" });
    expect([before, total]).toEqual([3, 4]);
    expect(f.slack.messages).toHaveLength(1);
  });

  it("a success racing a failure that opened an episode meanwhile closes it after the answer", async () => {
    const f = pipelineFixture();
    const verdict = classify(ghRun(2, "success"), f.deps.config);
    if (verdict.kind === "ignored") throw new Error("expected a success");
    const accepted = await accept(verdict, f.deps);
    await run(f, ghRun(1, "failure"));
    expect(f.slack.messages).toHaveLength(1);
    await accepted.after?.(f.deps, f.deadline());
    expect(f.slack.messages).toHaveLength(2);
    expect(textOf(f.slack.messages[1])).toMatch(/[Rr]ecovered/);
  });

  it("a success that closes an episode: 2 before the answer (its stream read and written)", async () => {
    const f = pipelineFixture();
    await run(f, ghRun(1, "failure"));
    const { answer, final, before } = await counted(f, ghRun(2, "success"));
    expect(answer).toMatchObject({ status: "accepted" });
    expect(final).toMatchObject({ status: "notified" });
    expect(before).toBe(2);
  });

  it("a stale success: 1, nothing after", async () => {
    const f = pipelineFixture();
    await run(f, ghRun(3, "success"));
    const { answer, total, after } = await counted(f, ghRun(2, "success"));
    expect(answer).toMatchObject({ status: "ignored" });
    expect(total).toBe(1);
    expect(after).toBeNull();
  });
});

describe("slow Slack: few duplicates", () => {
  it("a timed-out post waits TIMEOUT_BACKOFF_MS, and the sweep's retry gives Slack a longer timeout", async () => {
    const f = pipelineFixture();
    f.slack.answers.push({
      kind: "retryable",
      reason: "timeout after 5000 ms",
      status: null,
      retryAfterMs: null,
      timedOut: true,
    });
    expect(await run(f, ghRun(1, "failure"))).toMatchObject({ status: "queued" });
    f.clock.advance(30_000);
    await sweep(f.deps);
    expect(f.slack.attempts).toHaveLength(1);
    f.clock.advance(TIMEOUT_BACKOFF_MS);
    await sweep(f.deps);
    expect(f.slack.attempts).toHaveLength(2);
    expect(f.slack.timeouts[1]).toBeGreaterThanOrEqual(15_000);
    expect(f.slack.messages).toHaveLength(1);
  });
});

describe("bounded strings", () => {
  it("boundedEvent: every payload text one line of at most 200 characters, ids and URLs untouched", () => {
    const long = `${"é".repeat(250)}\r\n@channel <!here>`;
    const event = boundedEvent(
      githubEvent({
        site: long,
        workflow: long,
        branch: long,
        actor: long,
        commit: { sha: "a".repeat(40), message: long, url: "https://example.com/c", author: long },
      }),
    );
    for (const text of [
      event.site,
      event.workflow,
      event.branch,
      event.actor,
      event.commit.message,
      event.commit.author,
    ]) {
      expect(Array.from(text ?? "").length).toBeLessThanOrEqual(200);
      expect(text).not.toMatch(/[\r\n]/);
    }
    expect(event.commit.sha).toBe("a".repeat(40));
    expect(event.commit.url).toBe("https://example.com/c");
  });

  it("a hostile site name and commit message leave a one-line summary of at most 200 characters", async () => {
    const f = pipelineFixture();
    const site = `acme/${"x".repeat(300)}\nforged line`;
    await run(f, githubEvent({ site, repository: site, startedAt: at(1), occurredAt: at(2) }));
    const entries = Object.values(f.store.snapshot())
      .map(parseOutboxEntry)
      .filter((e) => e !== null);
    expect(entries).toHaveLength(1);
    for (const entry of entries) {
      expect(entry.summary.length).toBeLessThanOrEqual(200);
      expect(entry.summary).not.toMatch(/\n/);
    }
  });
});

describe("storms hold their bound whatever the interleaving", () => {
  it("N concurrent failures, threshold T: ≤ T single messages, digests naming every other site once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 2, max: 60 }),
        fc.scheduler(),
        async (threshold, sites, s) => {
          const f = pipelineFixture({ STORM_THRESHOLD: String(threshold), STORM_GROUP_WAIT_SECONDS: "30" });
          // Every store call waits for the scheduler: fast-check interleaves the deliveries adversarially.
          const scheduled: Store = {
            get: (key) => s.schedule(Promise.resolve(), `get ${key}`).then(() => f.store.get(key)),
            read: (key) => s.schedule(Promise.resolve(), `read ${key}`).then(() => f.store.read(key)),
            set: (key, value, condition) =>
              s.schedule(Promise.resolve(), `set ${key}`).then(() => f.store.set(key, value, condition)),
            delete: (key) => s.schedule(Promise.resolve(), `delete ${key}`).then(() => f.store.delete(key)),
            list: (prefix) =>
              s.schedule(Promise.resolve(), `list ${prefix}`).then(() => f.store.list(prefix)),
          };
          const names = Array.from(
            { length: sites },
            (_, i) => `acme/storm-site-${String(i).padStart(3, "0")}`,
          );
          const runs = names.map((name, i) =>
            run(
              f,
              githubEvent({
                site: name,
                repository: name,
                runId: 5000 + i,
                commit: { sha: `${i}`.padStart(40, "c"), message: "theme", url: null, author: null },
              }),
              scheduled,
            ),
          );
          await s.waitFor(Promise.all(runs));
          f.clock.advance(31_000);
          await sweep(f.deps);
          await sweep(f.deps);
          const outbox = Object.entries(f.store.snapshot())
            .filter(([key]) => key.startsWith("outbox/"))
            .map(([, value]) => parseOutboxEntry(value))
            .filter((entry) => entry !== null);
          const singles = outbox.filter((entry) => entry.id.endsWith(":open:default"));
          const digests = outbox.filter((entry) => entry.id.startsWith("digest:"));
          expect(singles.length).toBeLessThanOrEqual(threshold);
          const digestSites = sites - singles.length;
          expect(digests).toHaveLength(Math.ceil(digestSites / DIGEST_SITES_PER_MESSAGE));
          expect(f.slack.messages).toHaveLength(singles.length + digests.length);
          const texts = f.slack.messages.map(textOf);
          for (const name of names) {
            expect(
              texts.filter((text) => text.includes(name)),
              name,
            ).toHaveLength(1);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("records stored before RunEvent.pipeline became workflow", () => {
  it("still read: a stream's episode carries its workflow name over", async () => {
    const f = pipelineFixture();
    await run(f, ghRun(1, "failure"));
    const snapshot = f.store.snapshot();
    const [streamKey, stream] = Object.entries(snapshot).find(([key]) => key.startsWith("streams/")) ?? [];
    const { transitions: _counted, ...record } = stream as Record<string, unknown>;
    const legacy = JSON.parse(JSON.stringify(record).replace('"workflow":', '"pipeline":'));
    expect(JSON.stringify(legacy)).not.toContain('"workflow"');
    const parsed = parseStream(legacy, String((stream as { stream: string }).stream));
    expect(parsed?.episode?.first.workflow).toBe("Build and deploy");
    expect(streamKey).toBeDefined();
  });
});
