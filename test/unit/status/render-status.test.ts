import { describe, expect, it } from "vitest";
import { lastDays } from "../../../src/history/history-day.ts";
import { escapeHtml } from "../../../src/status/escape-html.ts";
import type { StatusReport } from "../../../src/status/read-status.ts";
import { duration, renderStatus } from "../../../src/status/render-status.ts";

const NOW = Date.parse("2026-11-27T12:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();
const HOSTILE = `<script>alert("x")</script>&"'<img src=x onerror=alert(1)>`;

const empty = (): StatusReport => ({
  generatedAt: iso(NOW),
  config: { valid: true, problems: [] },
  outbox: { waiting: 0, retrying: 0, dead: 0, deadMessages: [], total: 0, truncated: false },
  episodes: { open: 0, list: [], truncated: false },
  recoveries: [],
  sweep: { lastRunAt: iso(NOW - 30_000), stale: false },
  history: { days: lastDays(NOW).map((day) => ({ day, opened: 0, closed: 0 })), sites: [] },
});

/** One of each kind, every payload string hostile. */
const full = (): StatusReport => ({
  ...empty(),
  config: { valid: false, problems: ["SLACK_WEBHOOK_URL", "ROUTES"] },
  outbox: {
    waiting: 3,
    retrying: 1,
    dead: 1,
    deadMessages: [
      {
        summary: `failure: ${HOSTILE}`,
        kind: "failure",
        createdAt: iso(NOW - 3_600_000),
        reason: `http 404: channel_not_found ${HOSTILE}`,
        advice: "create a new incoming webhook",
      },
    ],
    total: 10,
    truncated: false,
  },
  episodes: {
    open: 2,
    truncated: false,
    list: [
      {
        stream: `github:${HOSTILE}:7:main`,
        site: `acme/${HOSTILE}`,
        source: "github",
        branch: `feature/${HOSTILE}`,
        workflow: `Build ${HOSTILE}`,
        since: iso(NOW - (3 * 3_600_000 + 12 * 60_000)),
        failedRuns: 4,
        lastFailureAt: iso(NOW - 60_000),
        failed: {
          outcome: "failure",
          detail: null,
          signature: null,
          jobs: [
            {
              name: `build ${HOSTILE}`,
              stage: null,
              url: "https://github.com/acme/site/actions/runs/1/job/2",
              step: "npm run build",
              error: `Cannot find module ${HOSTILE}`,
            },
          ],
        },
        logsUrl: `javascript:alert(1)//${HOSTILE}`,
        slackUrl: "https://acme.slack.com/archives/C1/p1",
      },
      {
        stream: "netlify:abc:production:main",
        site: "acme-docs",
        source: "netlify",
        branch: "main",
        workflow: "Netlify build",
        since: iso(NOW - 600_000),
        failedRuns: 1,
        lastFailureAt: iso(NOW - 600_000),
        failed: {
          outcome: "deploy_error",
          detail: `Failed during stage 'building site' ${HOSTILE}`,
          signature: null,
          jobs: [],
        },
        logsUrl: "https://app.netlify.com/sites/acme-docs/deploys/1",
        slackUrl: null,
      },
    ],
  },
  recoveries: [
    {
      site: `acme/${HOSTILE}-blog`,
      source: "gitlab",
      branch: "main",
      workflow: "pipeline",
      openedAt: iso(NOW - 7_200_000),
      closedAt: iso(NOW - 3_600_000),
      logsUrl: "https://gitlab.com/acme/blog/-/pipelines/1",
    },
  ],
  sweep: { lastRunAt: iso(NOW - 9 * 60_000), stale: true },
  history: {
    days: lastDays(NOW).map((day, i) => ({ day, opened: i % 5, closed: i % 3 })),
    sites: [
      { site: `acme/${HOSTILE}`, brokenMs: 40 * 3_600_000 },
      { site: "acme-docs", brokenMs: 90 * 60_000 },
    ],
  },
});

describe("escapeHtml", () => {
  it("escapes the five characters that end text or an attribute", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });
});

describe("the board, from a fixed state", () => {
  it("escapes every payload string: no tag, attribute or javascript: link comes from a name", () => {
    const html = renderStatus(full(), NOW);
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).not.toMatch(/href="javascript:/i);
    expect(html).not.toContain(`"x"`);
    expect(html).toContain("acme/&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&quot;&#39;&lt;img");
    // The only tags are the board's own.
    const tags = new Set([...html.matchAll(/<([a-z0-9]+)[\s>/]/gi)].map((m) => m[1]?.toLowerCase()));
    expect([...tags].sort()).toEqual(
      [
        "a",
        "body",
        "br",
        "caption",
        "details",
        "div",
        "g",
        "h1",
        "h2",
        "h3",
        "head",
        "header",
        "html",
        "li",
        "line",
        "main",
        "meta",
        "p",
        "rect",
        "span",
        "style",
        "summary",
        "svg",
        "table",
        "tbody",
        "td",
        "text",
        "th",
        "thead",
        "time",
        "title",
        "tr",
        "ul",
      ].sort(),
    );
  });

  it("shows one of each kind: open episodes oldest first with what failed, links, a recovery, a dead message, problems, a stale sweep", () => {
    const html = renderStatus(full(), NOW);
    expect(html).toContain("Broken now: 2 open episodes");
    expect(html.indexOf("acme/&lt;script")).toBeLessThan(html.indexOf("acme-docs"));
    expect(html).toContain("3 h 12 min");
    expect(html).toContain('<time datetime="2026-11-27T08:48:00.000Z">2026-11-27 08:48 UTC</time>');
    expect(html).toContain('<a href="https://github.com/acme/site/actions/runs/1/job/2">build &lt;script');
    expect(html).toContain("npm run build");
    expect(html).toContain("Failed during stage &#39;building site&#39;");
    expect(html).toContain('<a href="https://acme.slack.com/archives/C1/p1">Slack</a>');
    expect(html).toContain('<a href="https://app.netlify.com/sites/acme-docs/deploys/1">logs</a>');
    expect(html).toContain("Recovered in the last 24 h");
    expect(html).toMatch(/-blog<br>.*<td>gitlab<\/td><td>main<\/td><td>1 h<\/td>/);
    expect(html).toContain("channel_not_found");
    expect(html).toContain("create a new incoming webhook");
    expect(html).toContain("3 messages waiting (1 retrying after an error)");
    expect(html).toContain("Configuration problems: SLACK_WEBHOOK_URL, ROUTES");
    expect(html).toContain("Last sweep 9 min ago");
    expect(html).toContain("check the scheduled function");
    expect(html).toContain('<th scope="col">site</th>');
    expect(html).toContain('<meta http-equiv="refresh" content="60">');
  });

  it("draws the charts as SVG images with text alternatives and a data table", () => {
    const html = renderStatus(full(), NOW);
    const svgs = [...html.matchAll(/<svg [^>]*>/g)].map((m) => m[0]);
    expect(svgs).toHaveLength(2);
    for (const svg of svgs) {
      expect(svg).toContain('role="img"');
      expect(svg).toMatch(/aria-label="[^"]+"/);
    }
    expect(html).toMatch(/<svg [^>]*><title>Episodes opened per day over the last 30 days: 60 in all/);
    expect(html).toContain("<title>2026-11-27: 4 opened, 2 closed</title>");
    expect(html).toContain("Broken time per site over the last 30 days, the 2 worst: acme/&lt;script");
    expect(html).toContain('<th scope="row">2026-10-29</th><td class="num">0</td>');
    expect(html).toContain('<td class="num">40 h</td>');
    expect(html).toContain('<td class="num">1.5 h</td>');
  });

  it("says so when everything is fine and nothing happened", () => {
    const html = renderStatus(empty(), NOW);
    expect(html).toContain("Nothing is broken.");
    expect(html).toContain("No recovery in the last 24 h.");
    expect(html).toContain("0 messages waiting (0 retrying after an error)");
    expect(html).toContain("No broken time recorded.");
    expect(html).toContain("Configuration valid");
    expect(html).toContain("Last sweep 30 s ago");
    expect(html).not.toContain("check the scheduled function");
    expect(html).toContain("Episodes opened per day over the last 30 days: 0 in all");
  });

  it("warns when the sweep never ran", () => {
    expect(renderStatus({ ...empty(), sweep: { lastRunAt: null, stale: true } }, NOW)).toContain(
      "The sweep has never run",
    );
  });

  it.each([
    [40_000, "40 s"],
    [5 * 60_000, "5 min"],
    [3 * 3_600_000 + 12 * 60_000, "3 h 12 min"],
    [50 * 3_600_000, "2 days 2 h"],
  ])("words %i ms as %s", (ms, words) => {
    expect(duration(ms)).toBe(words);
  });
});
