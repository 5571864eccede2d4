import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config.ts";
import { lastDays } from "../../../src/history/history-day.ts";
import { applyFilter, matchesFilter, NO_FILTER, parseBoardFilter } from "../../../src/status/board-filter.ts";
import { naturalCompare, shortDuration } from "../../../src/status/board-format.ts";
import { foldRecoveries, GROUP_MIN, groupEpisodes } from "../../../src/status/board-groups.ts";
import { isDryRun } from "../../../src/status/dry-run.ts";
import type { OpenEpisode, StatusReport } from "../../../src/status/read-status.ts";
import { renderStatus, summaryLine } from "../../../src/status/render-status.ts";

const NOW = Date.parse("2026-11-27T12:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

const episode = (site: string, error: string, overrides: Partial<OpenEpisode> = {}): OpenEpisode => ({
  stream: `github:${site}:7:main`,
  site,
  source: "github",
  branch: "main",
  workflow: "Build",
  since: iso(NOW - 600_000),
  failedRuns: 1,
  lastFailureAt: iso(NOW - 600_000),
  failed: {
    outcome: "failure",
    detail: null,
    jobs: [{ name: "build", stage: null, url: null, step: "Build site", error }],
  },
  logsUrl: "https://github.com/x/y/actions/runs/1",
  slackUrl: null,
  ...overrides,
});

const recovery = (site: string, closedAt: number): StatusReport["recoveries"][number] => ({
  site,
  source: "netlify",
  branch: "main",
  workflow: "Netlify build",
  openedAt: iso(closedAt - 3_600_000),
  closedAt: iso(closedAt),
  logsUrl: "https://app.netlify.com/sites/x/deploys/1",
});

const report = (overrides: Partial<StatusReport> = {}): StatusReport => ({
  generatedAt: iso(NOW),
  config: { valid: true, problems: [] },
  dryRun: false,
  outbox: { waiting: 0, retrying: 0, dead: 0, deadMessages: [], total: 0, truncated: false },
  episodes: { open: 0, list: [], truncated: false },
  recoveries: [],
  sweep: { lastRunAt: iso(NOW - 22_000), stale: false },
  history: { days: lastDays(NOW).map((day) => ({ day, opened: 0, closed: 0 })), sites: [] },
  ...overrides,
});

describe("natural order and durations", () => {
  it("puts site-2 before site-10, whatever the case", () => {
    expect(["site-10", "Site-3", "site-2", "site-1"].sort(naturalCompare)).toEqual([
      "site-1",
      "site-2",
      "Site-3",
      "site-10",
    ]);
  });

  it.each([
    [12_000, "12 s"],
    [12 * 60_000, "12 min"],
    [90 * 60_000, "1.5 h"],
    [40 * 3_600_000, "40 h"],
    [5 * 86_400_000, "5 days"],
  ])("labels %i ms as %s (never 0 h for minutes)", (ms, label) => {
    expect(shortDuration(ms)).toBe(label);
  });
});

describe("open episodes grouped by what failed", () => {
  const theme = (n: number) =>
    episode(`acme/site-${n}`, `template "partials/header" not defined in site-${n}`);

  it(`groups ${GROUP_MIN} or more that share what failed (site names and numbers aside), the rest one by one`, () => {
    const rows = groupEpisodes([
      theme(10),
      theme(2),
      episode("acme/docs", "npm ERR! missing script: build"),
      theme(1),
      episode("acme/blog", "Cannot find module 'x'"),
    ]);
    expect(rows.map((row) => row.kind)).toEqual(["group", "one", "one"]);
    const [group] = rows;
    if (group?.kind !== "group") throw new Error("expected a group");
    expect(group.episodes.map((e) => e.site)).toEqual(["acme/site-1", "acme/site-2", "acme/site-10"]);
    expect(group.label).toBe('build › Build site: template "partials/header" not defined in site-1');
    expect(rows.slice(1).map((row) => (row.kind === "one" ? row.episode.site : ""))).toEqual([
      "acme/blog",
      "acme/docs",
    ]);
  });

  it("does not group two alike, and groups by signature when the store has one", () => {
    expect(groupEpisodes([theme(1), theme(2)]).every((row) => row.kind === "one")).toBe(true);
    const signed = ["a", "b", "c"].map((site, i) =>
      episode(site, `different ${i}x`, { signature: "abc123" }),
    );
    expect(groupEpisodes(signed).map((row) => row.kind)).toEqual(["group"]);
  });

  it("renders a group as one expandable row with the count", () => {
    const list = [theme(1), theme(2), theme(3)];
    const page = renderStatus(report({ episodes: { open: 3, list, truncated: false } }), { now: NOW });
    expect(page).toMatch(
      /<details class="group"><summary><strong>3 sites<\/strong> · build › Build site: template/,
    );
  });
});

describe("recoveries of a storm folded into one row", () => {
  it("folds three or more within a minute, newest first, sites in natural order; keeps the others apart", () => {
    const at = Date.parse("2026-11-27T14:41:00Z");
    const rows = foldRecoveries([
      recovery("site-10", at),
      recovery("site-2", at - 20_000),
      recovery("site-1", at - 50_000),
      recovery("lonely", at - 3_600_000),
    ]);
    expect(rows.map((row) => row.kind)).toEqual(["storm", "one"]);
    const [storm] = rows;
    if (storm?.kind !== "storm") throw new Error("expected a storm");
    expect(storm.recoveries.map((r) => r.site)).toEqual(["site-1", "site-2", "site-10"]);
    const page = renderStatus(
      report({ recoveries: [...storm.recoveries, recovery("lonely", at - 3_600_000)] }),
      {
        now: at,
      },
    );
    expect(page).toContain(
      '<summary><strong>3 sites recovered at <time datetime="2026-11-27T14:41:00.000Z">2026-11-27 14:41 UTC</time></strong></summary>',
    );
    expect(page).toContain("lonely");
  });
});

describe("the filter form", () => {
  it("reads site, source and branch from the query, ignoring an unknown source and blanks", () => {
    expect(parseBoardFilter(new URLSearchParams("site=acme/*&source=nope&branch="))).toEqual({
      site: "acme/*",
      source: null,
      branch: null,
    });
  });

  it.each([
    [{ site: "docs" }, "acme/docs-site", true],
    [{ site: "DOCS" }, "acme/docs-site", true],
    [{ site: "acme/*" }, "acme/docs-site", true],
    [{ site: "*-site" }, "other/blog", false],
    [{ site: "blog" }, "acme/docs-site", false],
    [{ source: "netlify" }, "acme/docs-site", false],
    [{ branch: "release/*" }, "acme/docs-site", false],
  ])("%j on %s → %s", (filter, site, expected) => {
    expect(matchesFilter({ ...NO_FILTER, ...filter }, { site, source: "github", branch: "main" })).toBe(
      expected,
    );
  });

  it("narrows the lists, not the counts, and the form keeps what was asked", () => {
    const state = report({
      episodes: { open: 2, list: [episode("acme/a", "x"), episode("other/b", "y")], truncated: false },
    });
    const filter = { ...NO_FILTER, site: `acme" onfocus="x` };
    expect(applyFilter(state, { ...NO_FILTER, site: "acme" }).episodes).toMatchObject({
      open: 2,
      list: [{ site: "acme/a" }],
    });
    const page = renderStatus(state, { now: NOW, filter: { ...NO_FILTER, site: "acme" } });
    expect(page).toContain('<form class="filter" method="get" role="search">');
    expect(page).toContain('name="site" type="search" value="acme"');
    expect(page).toContain("The filter shows 1 of them.");
    expect(page).not.toContain("other/b");
    expect(renderStatus(state, { now: NOW, filter })).toContain('value="acme&quot; onfocus=&quot;x"');
  });
});

describe("a dry run never looks healthy", () => {
  it.each<[string, Record<string, string>, boolean]>([
    ["SLACK_WEBHOOK_URL unset", {}, true],
    ["SLACK_WEBHOOK_URL set", { SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/x" }, false],
    [
      "a named destination, but the fallback still reaches default",
      {
        SLACK_WEBHOOK_URL_THEMES: "https://hooks.slack.com/services/T/B/y",
        ROUTES: "site:themes-* -> THEMES",
      },
      true,
    ],
    [
      "every run routed to a named destination",
      { SLACK_WEBHOOK_URL_THEMES: "https://hooks.slack.com/services/T/B/y", ROUTES: "* -> THEMES" },
      false,
    ],
  ])("%s → dryRun %s", (_, env, expected) => {
    expect(isDryRun(parseConfig({ GITHUB_WEBHOOK_SECRET: "s", ...env }).routing)).toBe(expected);
  });

  it("the board says it first: a red alert when deployed, a notice locally, and never 'Configuration valid'", () => {
    const deployed = renderStatus(report({ dryRun: true }), { now: NOW });
    expect(deployed).toContain('<p class="banner alarm" role="alert">DRY RUN: nothing is sent.');
    expect(deployed).toContain("<title>DRY RUN · vigie");
    expect(deployed).not.toContain("Configuration valid");
    const local = renderStatus(report({ dryRun: true }), { now: NOW, local: true });
    expect(local).toContain('<p class="banner notice" role="status">Dry run:');
    expect(local).not.toContain("banner alarm");
    expect(renderStatus(report(), { now: NOW })).not.toContain('class="banner');
  });
});

describe("the summary line", () => {
  it("says broken, recovered, dead and the sweep's age in one line, first on the page", () => {
    const state = report({
      episodes: { open: 3, list: [], truncated: false },
      recoveries: Array.from({ length: 13 }, (_, i) => recovery(`s${i}`, NOW - i * 3_600_000)),
    });
    const line = String(summaryLine(state, NOW)).replace(/<[^>]+>/g, "");
    expect(line).toBe("3 broken · 13 recovered in 24 h · 0 dead · sweep 22 s ago");
    const page = renderStatus(state, { now: NOW });
    expect(page.indexOf('class="summary"')).toBeLessThan(page.indexOf("<main>"));
    expect(page).toContain('<link rel="icon" href="data:image/svg+xml,');
  });
});
