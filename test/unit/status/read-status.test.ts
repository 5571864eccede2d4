import { describe, expect, it } from "vitest";
import { asFailure, githubEvent } from "../../../samples/events.ts";
import { loadConfig } from "../../../src/config.ts";
import type { FailedAt } from "../../../src/event.ts";
import { failedAt } from "../../../src/failed-at.ts";
import { applyToDay, emptyDay } from "../../../src/history/history-day.ts";
import { emptyStream, openEpisode } from "../../../src/pipeline/episodes.ts";
import { keys } from "../../../src/pipeline/keys.ts";
import { readStatus, SWEEP_STALE_MS } from "../../../src/status/read-status.ts";
import { MemoryStore } from "../../../src/store/memory-store.ts";
import { baseEnv } from "../support.ts";

const NOW = Date.parse("2026-11-27T12:00:00Z");
const config = loadConfig(baseEnv);

const open = async (
  store: MemoryStore,
  site: string,
  routes?: Array<{ destination: string; delivery: "message" }>,
  detail: FailedAt | null = null,
) => {
  const stream = `github:${site}:7:main`;
  const opened = openEpisode(
    emptyStream(stream),
    asFailure(
      githubEvent({
        site,
        repository: site,
        occurredAt: new Date(NOW - 3_600_000).toISOString(),
        failedAt: detail,
      }),
    ),
    `github:${site}:1:1`,
    NOW,
  );
  const state = routes && opened.episode ? { ...opened, episode: { ...opened.episode, routes } } : opened;
  await store.set(keys.stream(stream), state);
  await store.set(keys.open(stream), { v: 1, stream, episodeId: state.episode?.id });
  return state.episode?.id ?? "";
};

describe("readStatus", () => {
  it("carries each open episode's excerpt and signature (the JSON view)", async () => {
    const store = new MemoryStore();
    const detail = failedAt([
      {
        name: "Build",
        step: "Build site",
        jobId: 5,
        excerpt: ["Error: partial not found"],
        signature: "0123456789abcdef",
      },
    ]);
    await open(store, "acme/why", undefined, detail);
    const [episode] = (await readStatus(store, config, NOW)).episodes.list;
    expect(episode?.signature).toBe("0123456789abcdef");
    expect(episode?.failed.jobs[0]).toMatchObject({ excerpt: ["Error: partial not found"], jobId: 5 });
  });

  it("links an episode to its Slack message when the Slack app posted it to a channel, and costs webhooks nothing", async () => {
    const store = new MemoryStore();
    const id = await open(store, "acme/app", [{ destination: "#C0123ABCD", delivery: "message" }]);
    await store.set(keys.thread(`${id}:open:#C0123ABCD`), {
      v: 1,
      channel: "C0123ABCD",
      ts: "1764230400.001200",
      at: NOW,
    });
    await open(store, "acme/hook");
    const report = await readStatus(store, config, NOW);
    expect(report.episodes.list.map((episode) => [episode.site, episode.slackUrl])).toEqual([
      ["acme/app", "https://slack.com/archives/C0123ABCD/p1764230400001200"],
      ["acme/hook", null],
    ]);
  });

  it("lists the recoveries of the last 24 h from the day records, newest first", async () => {
    const store = new MemoryStore();
    const recovery = (site: string, closedAt: number) => ({
      site,
      source: "github",
      branch: "main",
      workflow: "Build and deploy",
      openedAt: closedAt - 600_000,
      closedAt,
      logsUrl: "https://github.com/acme/x/actions/runs/1",
    });
    const change = (recoveries: ReturnType<typeof recovery>[]) => ({
      opened: 0,
      closed: recoveries.length,
      siteMs: new Map<string, number>(),
      recoveries,
    });
    await store.set(
      keys.history("2026-11-26"),
      applyToDay(
        emptyDay("2026-11-26"),
        change([
          recovery("acme/too-old", NOW - 25 * 3_600_000),
          recovery("acme/yesterday", NOW - 20 * 3_600_000),
        ]),
      ),
    );
    await store.set(
      keys.history("2026-11-27"),
      applyToDay(emptyDay("2026-11-27"), change([recovery("acme/today", NOW - 3_600_000)])),
    );
    const report = await readStatus(store, config, NOW);
    expect(report.recoveries.map((r) => r.site)).toEqual(["acme/today", "acme/yesterday"]);
    expect(report.history.days).toHaveLength(30);
    expect(report.history.days.slice(-2)).toEqual([
      { day: "2026-11-26", opened: 0, closed: 2 },
      { day: "2026-11-27", opened: 0, closed: 1 },
    ]);
  });

  it.each([
    [null, true],
    [NOW - SWEEP_STALE_MS - 1, true],
    [NOW - 60_000, false],
  ])("the sweep's last run at %s → stale %s", async (at, stale) => {
    const store = new MemoryStore();
    if (at !== null) await store.set(keys.sweepStatus, { v: 1, at, report: {} });
    expect((await readStatus(store, config, NOW)).sweep.stale).toBe(stale);
  });
});
