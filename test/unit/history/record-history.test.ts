import { describe, expect, it } from "vitest";
import { asFailure, githubEvent } from "../../../samples/events.ts";
import { loadConfig } from "../../../src/config.ts";
import type { FailureEvent } from "../../../src/event.ts";
import {
  applyToDay,
  emptyDay,
  MAX_RECOVERIES_PER_DAY,
  MAX_SITES_PER_DAY,
  parseHistoryDay,
  splitByDay,
} from "../../../src/history/history-day.ts";
import { recordHistory } from "../../../src/history/record-history.ts";
import { memoryLogger } from "../../../src/log.ts";
import { closeEpisode, emptyStream, openEpisode } from "../../../src/pipeline/episodes.ts";
import { keys } from "../../../src/pipeline/keys.ts";
import type { PipelineDeps } from "../../../src/pipeline/pipeline.ts";
import { parseStream } from "../../../src/pipeline/records.ts";
import { scanStreams } from "../../../src/pipeline/sweep/scan.ts";
import { MemoryStore } from "../../../src/store/memory-store.ts";
import { Clock } from "../clock.ts";
import { FakeSlack } from "../fake-slack.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOON = Date.parse("2026-11-27T12:00:00Z");

const setup = (start = NOON) => {
  const store = new MemoryStore();
  const clock = new Clock(start);
  const logs = memoryLogger();
  const deps: PipelineDeps = {
    config: loadConfig({}),
    store,
    slack: new FakeSlack(),
    log: logs.log,
    now: clock.now,
    sleep: clock.sleep,
    slackIntervalMs: 0,
    slackTimeoutMs: 5_000,
  };
  /** The sweep's scan of the streams, then its history step. */
  const history = async () => recordHistory(deps, await scanStreams(deps, clock.now() + 25_000));
  const streamOf = (site: string, workflowId = 7) => `github:${site}:${workflowId}:main`;
  /** Opens an episode as the pipeline does (long enough ago that the scan has nothing to finish). */
  const fail = async (site: string, at: number, workflowId = 7) => {
    const stream = streamOf(site, workflowId);
    const event = asFailure(
      githubEvent({ site, repository: site, workflowId, runId: at, occurredAt: new Date(at).toISOString() }),
    ) as FailureEvent;
    const previous = parseStream(await store.read(keys.stream(stream)), stream) ?? emptyStream(stream);
    const state = openEpisode(previous, event, `github:${site}:${at}:1`, clock.now() - 2 * HOUR);
    await store.set(keys.stream(stream), state);
  };
  const recover = async (site: string, at: number, workflowId = 7) => {
    const stream = streamOf(site, workflowId);
    const state = parseStream((await store.get(keys.stream(stream)))?.value, stream);
    if (!state) throw new Error("no stream");
    const success = githubEvent({
      site,
      repository: site,
      workflowId,
      runId: at,
      outcome: "success",
      occurredAt: new Date(at).toISOString(),
    });
    await store.set(keys.stream(stream), closeEpisode(state, success, `github:${site}:${at}:1`));
  };
  const day = async (name: string) => parseHistoryDay((await store.get(keys.history(name)))?.value, name);
  return { store, clock, deps, logs, fail, recover, day, history };
};

describe("the sweep's history step", () => {
  it("counts an episode once when it opens, adds broken time every run, and records its recovery", async () => {
    const t = setup();
    await t.fail("acme/shop", NOON - 30 * MIN);
    expect(await t.history()).toEqual({ opened: 1, closed: 0, days: 1 });
    expect(await t.day("2026-11-27")).toMatchObject({
      opened: 1,
      closed: 0,
      sites: [{ site: "acme/shop", ms: 30 * MIN }],
    });

    t.clock.advance(10 * MIN);
    expect(await t.history()).toEqual({ opened: 0, closed: 0, days: 1 });
    expect((await t.day("2026-11-27"))?.sites).toEqual([{ site: "acme/shop", ms: 40 * MIN }]);

    // Recovered 5 minutes after that sweep (the run's own time); the next sweep sees it 10 minutes after.
    await t.recover("acme/shop", t.clock.now() + 5 * MIN);
    t.clock.advance(10 * MIN);
    expect(await t.history()).toEqual({ opened: 0, closed: 1, days: 1 });
    const day = await t.day("2026-11-27");
    expect(day).toMatchObject({ opened: 1, closed: 1, sites: [{ site: "acme/shop", ms: 45 * MIN }] });
    expect(day?.recoveries).toEqual([
      {
        site: "acme/shop",
        source: "github",
        branch: "main",
        workflow: "Build and deploy",
        openedAt: NOON - 30 * MIN,
        closedAt: NOON + 15 * MIN,
        logsUrl: expect.stringMatching(/^https:\/\/github.com\/acme\/shop\/actions\/runs\//),
      },
    ]);

    // Nothing open any more: later sweeps add nothing.
    t.clock.advance(10 * MIN);
    expect(await t.history()).toEqual({ opened: 0, closed: 0, days: 0 });
    expect((await t.day("2026-11-27"))?.sites).toEqual([{ site: "acme/shop", ms: 45 * MIN }]);
  });

  it("counts an episode that opens and closes between two sweeps, and a stream that recovers and fails again", async () => {
    const t = setup();
    await t.history();
    await t.fail("acme/flaky", NOON + MIN);
    await t.recover("acme/flaky", NOON + 2 * MIN);
    await t.fail("acme/flaky", NOON + 3 * MIN);
    await t.recover("acme/flaky", NOON + 4 * MIN);
    await t.fail("acme/flaky", NOON + 5 * MIN);
    t.clock.advance(10 * MIN);
    expect(await t.history()).toEqual({ opened: 3, closed: 2, days: 1 });
    const day = await t.day("2026-11-27");
    expect(day).toMatchObject({ opened: 3, closed: 2 });
    expect(day?.recoveries.map((r) => r.closedAt)).toEqual([NOON + 2 * MIN, NOON + 4 * MIN]);
    // Broken 1 + 1 minutes, then from 12:05 until this sweep at 12:10: 7 minutes in all.
    expect(day?.sites).toEqual([{ site: "acme/flaky", ms: 7 * MIN }]);
    // Counted once: the next sweep sees nothing new.
    t.clock.advance(MIN);
    expect(await t.history()).toMatchObject({ opened: 0, closed: 0 });
  });

  it("splits broken time at UTC midnight and counts a site's overlapping streams once", async () => {
    const t = setup(Date.parse("2026-11-28T01:00:00Z"));
    await t.fail("acme/blog", Date.parse("2026-11-27T23:00:00Z"), 1);
    await t.fail("acme/blog", Date.parse("2026-11-27T23:30:00Z"), 2);
    await t.history();
    expect(await t.day("2026-11-27")).toMatchObject({ opened: 2, sites: [{ site: "acme/blog", ms: HOUR }] });
    expect(await t.day("2026-11-28")).toMatchObject({ opened: 0, sites: [{ site: "acme/blog", ms: HOUR }] });
  });

  it("keeps at most MAX_SITES_PER_DAY sites and MAX_RECOVERIES_PER_DAY recoveries a day, the rest summed", () => {
    const sites = new Map(
      Array.from({ length: MAX_SITES_PER_DAY + 20 }, (_, i) => [`site-${i}`, (i + 1) * MIN]),
    );
    const recoveries = Array.from({ length: MAX_RECOVERIES_PER_DAY + 5 }, (_, i) => ({
      site: `site-${i}`,
      source: "netlify",
      branch: "main",
      workflow: "Netlify build",
      openedAt: NOON,
      closedAt: NOON + i,
      logsUrl: "https://app.netlify.com/sites/x/deploys/1",
    }));
    const day = applyToDay(emptyDay("2026-11-27"), { opened: 0, closed: 205, siteMs: sites, recoveries });
    expect(day.sites).toHaveLength(MAX_SITES_PER_DAY);
    expect(day.sites[0]).toEqual({
      site: `site-${MAX_SITES_PER_DAY + 19}`,
      ms: (MAX_SITES_PER_DAY + 20) * MIN,
    });
    // The 20 smallest: 1 + 2 + … + 20 minutes.
    expect(day.othersMs).toBe(210 * MIN);
    expect(day.recoveries).toHaveLength(MAX_RECOVERIES_PER_DAY);
    expect(day.recoveries[0]?.closedAt).toBe(NOON + 5);
    expect(day.closed).toBe(205);
    expect(JSON.stringify(day).length).toBeLessThan(64_000);
  });

  it("splitByDay cuts at midnights", () => {
    expect(splitByDay(Date.parse("2026-11-27T22:00:00Z"), Date.parse("2026-11-29T02:00:00Z"))).toEqual([
      { day: "2026-11-27", ms: 2 * HOUR },
      { day: "2026-11-28", ms: DAY },
      { day: "2026-11-29", ms: 2 * HOUR },
    ]);
    expect(splitByDay(NOON, NOON)).toEqual([]);
  });

  it("prunes day records older than 30 days when the date changes, and keeps the 30 last", async () => {
    const t = setup(Date.parse("2026-11-27T23:59:00Z"));
    for (const name of ["2026-10-01", "2026-10-28", "2026-10-29", "2026-11-27"])
      await t.store.set(keys.history(name), emptyDay(name));
    await t.history(); // first run: prunes
    expect(await t.store.list("history/")).toEqual(["history/2026-10-29", "history/2026-11-27"]);
    t.clock.advance(2 * MIN); // 2026-11-28: 2026-10-29 is now 31 days back
    await t.history();
    expect(await t.store.list("history/")).toEqual(["history/2026-11-27"]);
  });

  it("starts over from an unreadable tracker, and ignores records that are not its own", async () => {
    const t = setup();
    await t.store.set(keys.historyTracker, { v: 2, junk: true });
    await t.store.set(keys.history("2026-11-27"), { v: 1, day: "2026-11-26" });
    await t.fail("acme/docs", NOON - MIN);
    expect(await t.history()).toMatchObject({ opened: 1 });
    expect(await t.day("2026-11-27")).toMatchObject({ opened: 1, sites: [{ site: "acme/docs", ms: MIN }] });
  });
});
