/**
 * The board (GET /status) through Netlify's local runtime, and in a real browser: failures sent → listed
 * as broken; a recovery → moved to the recent recoveries (after the sweep's history step); a message
 * Slack refuses (404 channel_not_found) → shown dead with its reason. Chromium (Debian's `chromium`,
 * driven by playwright-core) opens it with HTTP Basic credentials, as an operator would, and finds the
 * broken sites as visible text and the charts as SVG. The tests run in order (each builds on the last).
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { describe, expect } from "vitest";
import { failedRunPayload, runPayload } from "../../samples/github.ts";
import { vigieTest } from "./fixture.ts";
import { postGithub, slackReply } from "./harness.ts";
import { GITHUB_SECRET } from "./support.ts";

const TOKEN = "it-board-token-3e2d1c0b9a8f";
const DEAD = "acme/board-refused";
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

const it = vigieTest.override("env", { VIGIE_STATUS_TOKEN: TOKEN }).override("slackOptions", {
  respond: (request) => (request.raw.includes(DEAD) ? slackReply.channelNotFound() : slackReply.ok()),
});

interface Report {
  episodes: { open: number; list: Array<{ site: string; failedRuns: number; failed: { outcome: string } }> };
  recoveries: Array<{ site: string }>;
  outbox: { dead: number; deadMessages: Array<{ summary: string; reason: string; advice: string }> };
  sweep: { lastRunAt: string | null; stale: boolean };
  history: { days: Array<{ day: string; opened: number }>; sites: Array<{ site: string; brokenMs: number }> };
}

const json = async (vigie: { request: (path: string, init?: RequestInit) => Promise<Response> }) => {
  const response = await vigie.request("/status", {
    headers: { accept: "application/json", authorization: `Bearer ${TOKEN}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Report;
};

const fail = (url: string, repo: string, minutes: number) =>
  postGithub(url, failedRunPayload({ repo, updatedAt: minutesAgo(minutes) }), { secret: GITHUB_SECRET });

describe("the board, end to end", { shuffle: false }, () => {
  it("failures sent → the board lists them, oldest first; a refused message → dead with its reason", async ({
    vigie,
  }) => {
    expect((await fail(vigie.url, "acme/board-shop", 30)).json?.status).toBe("notified");
    expect((await fail(vigie.url, "acme/board-blog", 20)).json?.status).toBe("notified");
    expect((await fail(vigie.url, DEAD, 10)).json?.status).toBe("failed");
    // The board's list of open episodes is the sweep's scan's (within a minute).
    await vigie.sweep();

    const report = await json(vigie);
    expect(report.episodes.open).toBe(3);
    expect(report.episodes.list.map((episode) => episode.site)).toEqual([
      "acme/board-shop",
      "acme/board-blog",
      DEAD,
    ]);
    expect(report.episodes.list[0]).toMatchObject({ failedRuns: 1, failed: { outcome: "failure" } });
    expect(report.outbox.dead).toBe(1);
    expect(report.outbox.deadMessages).toEqual([
      expect.objectContaining({
        summary: expect.stringContaining(DEAD),
        reason: expect.stringContaining("channel_not_found"),
        advice: expect.stringContaining("SLACK_WEBHOOK_URL"),
      }),
    ]);

    const page = await vigie.request("/status", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain("Broken now: 3 open episodes");
    expect(html).toContain("channel_not_found");
  });

  it("a recovery → it leaves the open episodes and shows among the recoveries of the last 24 h", async ({
    vigie,
  }) => {
    await vigie.sweep(); // the history step sees the three open episodes
    const success = await postGithub(
      vigie.url,
      runPayload({ repo: "acme/board-blog", updatedAt: minutesAgo(1) }),
      { secret: GITHUB_SECRET },
    );
    expect(success.json?.status).toBe("notified");
    await vigie.sweep(); // … and the recovery
    const report = await json(vigie);
    expect(report.episodes.list.map((episode) => episode.site)).toEqual(["acme/board-shop", DEAD]);
    expect(report.recoveries).toEqual([expect.objectContaining({ site: "acme/board-blog" })]);
    expect(report.sweep).toMatchObject({ lastRunAt: expect.any(String), stale: false });
    // Counted on the days of their failed runs (minutes ago: yesterday too, just after midnight UTC).
    expect(report.history.days.reduce((sum, day) => sum + day.opened, 0)).toBe(3);
    expect(report.history.sites.map((site) => site.site)).toContain("acme/board-shop");
  });

  it("in Chromium with Basic auth: the broken sites as visible text, the charts as SVG", async ({
    vigie,
  }) => {
    const directory = await mkdtemp(join(tmpdir(), "vigie-board-"));
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    try {
      // Without credentials the browser is challenged (a navigation would stop at the login prompt).
      const refused = await (await browser.newContext()).request.get(`${vigie.url}/status`);
      expect(refused.status()).toBe(401);
      expect(refused.headers()["www-authenticate"]).toMatch(/^Basic/);

      const context = await browser.newContext({
        httpCredentials: { username: "ops", password: TOKEN },
        viewport: { width: 390, height: 844 }, // a phone
      });
      const page = await context.newPage();
      const answer = await page.goto(`${vigie.url}/status`);
      expect(answer?.status()).toBe(200);
      await expect(
        page.getByRole("heading", { name: "Broken now: 2 open episodes" }).isVisible(),
      ).resolves.toBe(true);
      for (const site of ["acme/board-shop", DEAD]) {
        await expect(
          page
            .getByRole("rowheader", { name: new RegExp(site) })
            .first()
            .isVisible(),
        ).resolves.toBe(true);
      }
      await expect(page.getByText("channel_not_found").first().isVisible()).resolves.toBe(true);
      const charts = page.locator('svg[role="img"]');
      expect(await charts.count()).toBe(2);
      expect(await charts.first().getAttribute("aria-label")).toMatch(/^Episodes opened per day/);
      expect(await page.locator("svg rect.bar").count()).toBeGreaterThan(0);
      // Readable on a phone: nothing scrolls sideways, the page or a table (tables become cards).
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      expect(
        await page.evaluate(() =>
          Math.max(...[...document.querySelectorAll("table")].map((t) => t.scrollWidth)),
        ),
      ).toBeLessThanOrEqual(390);
      // The summary line first, the filter form works without a script, a favicon.
      await expect(page.locator("p.summary").textContent()).resolves.toMatch(
        /^2 broken · 1 recovered in 24 h · 1 dead · sweep \d+ s ago$/,
      );
      expect(await page.locator('link[rel="icon"]').getAttribute("href")).toMatch(/^data:image\/svg\+xml,/);
      await page.locator('input[name="site"]').fill("shop");
      await page.getByRole("button", { name: "Filter" }).click();
      await page.waitForURL(/\?site=shop/);
      await expect(
        page
          .getByRole("rowheader", { name: /acme\/board-shop/ })
          .first()
          .isVisible(),
      ).resolves.toBe(true);
      await expect(page.getByText("The filter shows 1 of them.").isVisible()).resolves.toBe(true);
      const shot = join(directory, "board.png");
      await page.screenshot({ path: shot, fullPage: true });
      expect((await stat(shot)).size).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
