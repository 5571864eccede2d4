import { describe, expect, it } from "vitest";
import { lastDays } from "../../../src/history/history-day.ts";
import type { OpenEpisode, StatusReport } from "../../../src/status/read-status.ts";
import { renderStatus } from "../../../src/status/render-status.ts";
import { renderExcerpt } from "../../../src/status/render-why.ts";

const NOW = Date.parse("2026-11-27T12:00:00Z");
const HOSTILE = `<script>alert("x")</script>&"'<img src=x onerror=alert(1)>`;

const episode = (site: string, signature: string | null, excerpt: string[] | null = null): OpenEpisode => ({
  stream: `github:${site}:1:main`,
  site,
  source: "github",
  branch: "main",
  workflow: "Deploy",
  since: new Date(NOW - 3_600_000).toISOString(),
  failedRuns: 1,
  lastFailureAt: new Date(NOW - 3_600_000).toISOString(),
  failed: {
    outcome: "failure",
    detail: null,
    jobs: [
      {
        name: "Build",
        stage: null,
        url: null,
        step: "Build site",
        error: signature === null ? null : `Error: template ${HOSTILE}`,
        ...(excerpt === null ? {} : { excerpt }),
        signature,
      },
    ],
  },
  signature,
  logsUrl: `https://github.com/${site}/actions/runs/1`,
  slackUrl: null,
});

const report = (list: OpenEpisode[]): StatusReport => ({
  generatedAt: new Date(NOW).toISOString(),
  dryRun: false,
  config: { valid: true, problems: [] },
  outbox: { waiting: 0, retrying: 0, dead: 0, deadMessages: [], total: 0, truncated: false },
  episodes: { open: list.length, list, truncated: false },
  recoveries: [],
  sweep: { lastRunAt: new Date(NOW - 30_000).toISOString(), stale: false },
  history: { days: lastDays(NOW).map((day) => ({ day, opened: 0, closed: 0 })), sites: [] },
});

describe("the board says why it failed", () => {
  it("shows an episode's excerpt collapsed in a details element, escaped", () => {
    const html = String(
      renderExcerpt(episode("acme/a", "aaaaaaaaaaaaaaaa", [`Error: ${HOSTILE}`, "  at x"]).failed.jobs),
    );
    expect(html).toMatch(/^<details class="why"><summary>Why it failed<\/summary><pre>/);
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).not.toMatch(/<img|onerror=alert\(1\)>/);
    expect(html).toContain("&lt;script&gt;");
    expect(html).toContain("\n  at x</pre>");
    expect(renderExcerpt(episode("acme/a", null).failed.jobs)).toBe("");
  });

  it("groups open episodes that share a signature, with their count, escaped", () => {
    const list = [
      ...["acme/c", "acme/a", "acme/b"].map((site) => episode(site, "1111111111111111")),
      episode("acme/f", "3333333333333333"),
    ];
    const page = renderStatus(report(list), { now: NOW });
    expect(page).toMatch(/3 sites that failed the same way/);
    expect(page).not.toContain("<script>");
  });

  it("the page carries both, and no raw payload markup", () => {
    const html = renderStatus(
      report([episode("acme/a", "1111111111111111", ["Error: x"]), episode("acme/b", "1111111111111111")]),
      { now: NOW },
    );
    expect(html).toContain(
      '<details class="why"><summary>Why it failed</summary><pre>Error: x</pre></details>',
    );
    expect(html).not.toContain("<script>");
  });
});
