import { describe, expect, it } from "vitest";
import { githubEvent } from "../../../samples/events.ts";
import { type RunEvent, streamKey } from "../../../src/event.ts";
import { processVerdict } from "../../../src/pipeline/pipeline.ts";
import { classify } from "../../../src/pipeline/policy.ts";
import { parseStream } from "../../../src/pipeline/records.ts";
import { sweep } from "../../../src/pipeline/sweep.ts";
import { readSilenceIndex } from "../../../src/silences/silence-index.ts";
import type { SilenceMatch } from "../../../src/silences/silence-record.ts";
import { addSilence, listSilences, removeSilence } from "../../../src/silences/silence-store.ts";
import { ackKey, writeAck } from "../../../src/slack-actions/ack-record.ts";
import { pipelineFixture, textOf } from "./support.ts";

type Fixture = ReturnType<typeof pipelineFixture>;
const HOUR = 3_600_000;
const at = (minutes: number) => new Date(Date.parse("2026-11-27T10:00:00Z") + minutes * 60_000).toISOString();
const run = (f: Fixture, event: RunEvent) =>
  processVerdict(classify(event, f.deps.config), f.deps, f.deadline());
const failure = (site: string, n = 1, overrides: Partial<Parameters<typeof githubEvent>[0]> = {}) =>
  githubEvent({ repository: site, site, runId: 100 * n, runNumber: n, occurredAt: at(n), ...overrides });
const success = (site: string, n: number) => failure(site, n, { outcome: "success" });
const siteMatch = (site: string): SilenceMatch => ({ site, branch: null, source: null, stream: null });
const mute = (f: Fixture, site: string, ms: number | "green") =>
  addSilence(
    f.store,
    {
      match: siteMatch(site),
      until: ms === "green" ? null : f.clock.now() + ms,
      untilGreen: ms === "green",
      reason: null,
    },
    "cli",
    f.clock.now(),
  );
const openEpisode = async (f: Fixture, event: RunEvent) =>
  parseStream((await f.store.get(`streams/${encodeURIComponent(streamKey(event))}`))?.value, streamKey(event))
    ?.episode ?? null;

describe("silences in the pipeline", () => {
  it("a silenced failure posts nothing, still opens its episode, and is announced once when the silence ends", async () => {
    const f = pipelineFixture();
    const silence = await mute(f, "acme/*", HOUR);
    const answer = await run(f, failure("acme/blog"));
    expect(answer).toMatchObject({ status: "suppressed", reason: expect.stringContaining("silenced") });
    expect(f.slack.messages).toHaveLength(0);
    expect(await openEpisode(f, failure("acme/blog"))).not.toBeNull();
    // The sweep while it lasts (its scan's repair included) posts nothing either.
    f.clock.advance(60_000);
    await sweep(f.deps);
    f.clock.advance(60_000);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(0);

    f.clock.advance(HOUR);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(1);
    expect(textOf(f.slack.messages[0])).toContain("acme/blog");
    // The ended silence is gone, from its record and from the index.
    expect((await listSilences(f.store)).map((s) => s.id)).not.toContain(silence.id);
    expect(await readSilenceIndex(f.store)).toEqual([]);
    f.clock.advance(60_000);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(1);
  });

  it("a silence removed by hand (CLI, status route) ends too: the next sweep announces what it held back", async () => {
    const f = pipelineFixture();
    const silence = await mute(f, "acme/blog", "green");
    await run(f, failure("acme/blog"));
    f.clock.advance(60_000);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(0);
    expect(await removeSilence(f.store, silence.id, f.clock.now())).toBe(true);
    expect(await listSilences(f.store)).toEqual([]);
    f.clock.advance(60_000);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(1);
    expect(await readSilenceIndex(f.store)).toEqual([]);
  });

  it("an episode that recovered while silenced is not announced when the silence ends, and its recovery posts nothing", async () => {
    const f = pipelineFixture();
    await mute(f, "acme/blog", HOUR);
    await run(f, failure("acme/blog", 1));
    const recovered = await run(f, success("acme/blog", 2));
    expect(recovered).toMatchObject({ status: "suppressed", reason: expect.stringContaining("silenced") });
    f.clock.advance(2 * HOUR);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(0);
  });

  it("an unsilenced site is posted as usual while another is silenced", async () => {
    const f = pipelineFixture();
    await mute(f, "acme/blog", HOUR);
    await run(f, failure("acme/blog"));
    expect(await run(f, failure("acme/shop"))).toMatchObject({ status: "notified" });
    expect(f.slack.messages.map(textOf).join()).not.toContain("acme/blog");
  });

  it('"until green" ends with the recovery, which posts nothing when no failure message was posted', async () => {
    const f = pipelineFixture();
    await mute(f, "acme/blog", "green");
    await run(f, failure("acme/blog", 1));
    f.clock.advance(10 * HOUR);
    await sweep(f.deps);
    expect(f.slack.messages).toHaveLength(0);
    expect(await run(f, success("acme/blog", 2))).toMatchObject({ status: "suppressed" });
    expect(f.slack.messages).toHaveLength(0);
    expect(await listSilences(f.store)).toEqual([]);
    expect(await readSilenceIndex(f.store)).toEqual([]);
    // Its next failure is posted again.
    expect(await run(f, failure("acme/blog", 3))).toMatchObject({ status: "notified" });
  });

  it('"until green" set after the failure was posted: the recovery posts no recovery message (webhooks cannot edit)', async () => {
    const f = pipelineFixture();
    await run(f, failure("acme/blog", 1));
    expect(f.slack.messages).toHaveLength(1);
    await mute(f, "acme/blog", "green");
    await run(f, success("acme/blog", 2));
    expect(f.slack.messages).toHaveLength(1);
    expect(await listSilences(f.store)).toEqual([]);
  });

  it("a storm digest leaves out the silenced sites", async () => {
    const f = pipelineFixture({ STORM_THRESHOLD: "1" });
    await run(f, failure("acme/first"));
    await run(f, failure("acme/loud"));
    await run(f, failure("acme/quiet"));
    // Silenced after its digest item was written: the flush drops the item.
    await mute(f, "acme/quiet", HOUR);
    f.clock.advance(5 * 60_000);
    await sweep(f.deps);
    const texts = f.slack.messages.map(textOf).join("\n");
    expect(texts).toContain("acme/loud");
    expect(texts).not.toContain("acme/quiet");
  });
});

describe("reminders: none while silenced, none once acknowledged", () => {
  const remindersOf = (f: Fixture, site: string) =>
    f.slack.messages.map(textOf).filter((t) => t.includes(site) && /[Ss]till failing/.test(t));

  it("reminds the unsilenced, unacknowledged episode only; the ack goes with the recovery", async () => {
    const f = pipelineFixture({ REMINDER_HOURS: "1" });
    await run(f, failure("acme/plain", 1));
    await run(f, failure("acme/acked", 1));
    await run(f, failure("acme/muted", 1));
    const acked = await openEpisode(f, failure("acme/acked", 1));
    if (!acked) throw new Error("expected an open episode");
    await writeAck(f.store, {
      episode: acked.id,
      stream: streamKey(failure("acme/acked", 1)),
      site: "acme/acked",
      branch: "main",
      user: "U1",
      at: f.clock.now(),
    });
    await mute(f, "acme/muted", 5 * HOUR);
    await sweep(f.deps);
    f.clock.advance(HOUR + 60_000);
    await sweep(f.deps);
    expect(remindersOf(f, "acme/plain")).toHaveLength(1);
    expect(remindersOf(f, "acme/acked")).toHaveLength(0);
    expect(remindersOf(f, "acme/muted")).toHaveLength(0);

    await run(f, success("acme/acked", 2));
    expect(await f.store.get(ackKey(acked.id))).toBeNull();
  });
});

describe("prune: Slack interactions' records", () => {
  it("removes day-old action claims, stale acknowledgements and ended silences", async () => {
    const f = pipelineFixture();
    const seconds = (f.clock.now() - 2 * 86_400_000) / 1000;
    await f.store.set(`actions/${seconds.toFixed(6)}`, { v: 1 });
    await f.store.set(`actions/${(f.clock.now() / 1000).toFixed(6)}`, { v: 1 });
    await writeAck(f.store, {
      episode: "gone",
      stream: "s",
      site: "acme/x",
      branch: null,
      user: "U1",
      at: f.clock.now() - 91 * 86_400_000,
    });
    const ended = await mute(f, "acme/old", -2 * HOUR);
    await sweep(f.deps);
    expect((await f.store.list("actions/")).length).toBe(1);
    expect(await f.store.get(ackKey("gone"))).toBeNull();
    expect((await listSilences(f.store)).map((s) => s.id)).not.toContain(ended.id);
  });
});
