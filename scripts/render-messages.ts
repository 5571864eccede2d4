/**
 * `npm run render-messages`: the pictures of vigie's Slack messages in the README. Sample events go through the
 * real formatters (src/slack/format.ts); each SlackMessage is rendered to a self-contained HTML page that
 * imitates Slack's message view (a temporary <kind>.html), then screenshot by headless Chromium
 * (docs/messages/<kind>.png). Deterministic: fixed events and clocks, no network.
 *
 * Needs Chromium (Debian: `apt-get install chromium fonts-lato fonts-noto-color-emoji`); CHROMIUM=path picks
 * another binary. `--html-only` writes the pages without screenshots. With ImageMagick's `convert`, the PNGs
 * are stripped of their timestamps and quantised, so that they stay small and identical from run to run.
 * The committed pictures are replaced only with `--write`; otherwise they go to a temporary directory.
 * The same failure and recovery are also drawn as a Teams card and a Discord embed (scripts/render-kinds.ts):
 * docs/messages/teams-*.png, discord-*.png.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { asFailure, githubEvent, netlifyEvent } from "../samples/events.ts";
import type { GithubRunEvent, NetlifyDeployEvent, RunEvent } from "../src/event.ts";
import {
  DIGEST_MAX_CHARS,
  formatDigest,
  formatFailure,
  formatRecovery,
  formatReminder,
  validateMessage,
} from "../src/slack/format.ts";
import { failedStage } from "../src/sources/netlify/failed-stage.ts";
import { emojiFont, imageMagick, which } from "./picture-tools.ts";
import { kindPages } from "./render-kinds-pages.ts";
import { type Sample, slackPage } from "./slack-page.ts";
import { excerptReply, failedWithLog, jobFailed } from "./why-samples.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: { "html-only": { type: "boolean", default: false }, write: { type: "boolean", default: false } },
});
const OUT = values.write ? join(ROOT, "docs", "messages") : mkdtempSync(join(tmpdir(), "vigie-pictures-"));
const WIDTH = 720;

// ---------------------------------------------------------------------------------------------------------
// Sample events: one small agency's sites, at fixed times.

const at = (iso: string, plusMs = 0): string => new Date(Date.parse(iso) + plusMs).toISOString();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const FIRST_FAILURE = "2026-03-17T09:42:18Z";

const sha = (seed: number): string =>
  Array.from({ length: 40 }, (_, i) => "0123456789abcdef"[(seed * 7 + i * 13 + ((seed * i) % 11)) % 16]).join(
    "",
  );

const commit = (repository: string, seed: number, message: string, author = "Camille Martin") => ({
  sha: sha(seed),
  message,
  url: `https://github.com/${repository}/commit/${sha(seed)}`,
  author,
});

const github = (repository: string, runId: number, overrides: Partial<GithubRunEvent> = {}): GithubRunEvent =>
  githubEvent({
    repository,
    runId,
    runNumber: runId % 1000,
    workflowId: 4_512_307,
    workflow: "Build and deploy",
    commit: commit(repository, runId, "Update the opening hours"),
    actor: "camille-m",
    occurredAt: FIRST_FAILURE,
    ...overrides,
  });

const HUGO_ERROR =
  'Error: error building site: render: failed to render pages: "layouts/_default/baseof.html:12:5": execute of template failed: partial "spring-banner.html" not found';

/** Netlify site `acme-<name>` builds the repository `acme/site-<name>`. */
const netlify = (
  site: string,
  deployId: string,
  overrides: Partial<NetlifyDeployEvent> = {},
): NetlifyDeployEvent =>
  netlifyEvent({
    site,
    deployId,
    siteId: `5f0c2a7e-${deployId.slice(-4)}-4c1d-9e2b-7a3f61d0c8e4`,
    commit: commit(`acme/${site.replace(/^acme-/, "site-")}`, 1, "Update the opening hours"),
    actor: "Camille Martin",
    occurredAt: FIRST_FAILURE,
    ...overrides,
    failedAt: overrides.detail
      ? failedStage(overrides.detail, `https://app.netlify.com/sites/${site}/deploys/${deployId}`)
      : null,
  });

const BUILD_FAILED = "Failed during stage 'building site': Build script returned non-zero exit code: 2";
const INSTALL_FAILED =
  "Failed during stage 'Install dependencies': dependency_installation script returned non-zero exit code: 1";

const githubFailure = asFailure(
  github("acme/site-florist", 13_912_482, {
    commit: commit(
      "acme/site-florist",
      7,
      "Add the spring bouquets page & fix the footer links\n\nCloses #214",
    ),
    failedAt: jobFailed("acme/site-florist", 13_912_482, "Build", "Run hugo --minify", HUGO_ERROR),
  }),
);

const netlifyFailure = asFailure(
  netlify("acme-florist", "67d7f0c2a91b3e0008c4e2f1", {
    commit: commit("acme/site-florist", 8, "Update the opening hours for Easter"),
    detail: BUILD_FAILED,
    occurredAt: at(FIRST_FAILURE, 3 * MINUTE),
  }),
);

const recovered = github("acme/site-florist", 13_912_517, {
  outcome: "success",
  commit: commit("acme/site-florist", 9, "Fix the bouquet image paths"),
  occurredAt: at(FIRST_FAILURE, 2 * HOUR + 5 * MINUTE),
});

const STORM = "2026-03-18T14:03:51Z";
const SITES = [
  "bakery-dupont",
  "bookshop-lumiere",
  "camping-les-pins",
  "dentist-moreau",
  "florist",
  "garage-bernard",
  "hairdresser-elise",
  "hotel-rivage",
  "notary-leroy",
  "pharmacy-centrale",
  "physio-garnier",
  "plumber-roux",
  "restaurant-le-quai",
  "wine-bar-vignes",
  "yoga-studio",
];
const NETLIFY_SITES = [
  "acme-architect-fabre",
  "acme-bakery-dupont",
  "acme-cheese-shop",
  "acme-florist",
  "acme-gym-olympe",
  "acme-hotel-rivage",
  "acme-optician-blanc",
  "acme-pizzeria-napoli",
  "acme-veterinary-vidal",
];

/** A theme release breaking 24 sites: 15 GitHub workflows (11 failed, 4 timed out), 9 Netlify builds. */
const stormEvents: RunEvent[] = [
  ...SITES.map((site, i) =>
    github(`acme/site-${site}`, 13_930_100 + i, {
      outcome: i % 4 === 3 ? "timed_out" : "failure",
      commit: commit(`acme/site-${site}`, 100 + i, "Bump acme-theme to 4.0.0", "renovate[bot]"),
      actor: "renovate[bot]",
      occurredAt: at(STORM, i * 7000),
      // The theme broke the builds (a missing partial, or a package it needs not published); the timed-out
      // runs were stuck uploading to a slow host.
      failedAt: failedWithLog(
        `acme/site-${site}`,
        13_930_100 + i,
        i % 4 === 3 ? "rsync" : i === 5 || i === 13 ? "npm" : "hugo",
      ),
    }),
  ),
  ...NETLIFY_SITES.map((site, i) =>
    netlify(site, `67d9${(0x8a10 + i).toString(16)}c3b2e10008f1a${i}d0`, {
      detail: i % 3 === 2 ? INSTALL_FAILED : BUILD_FAILED,
      commit: commit(
        `acme/${site.replace(/^acme-/, "site-")}`,
        200 + i,
        "Bump acme-theme to 4.0.0",
        "renovate[bot]",
      ),
      actor: "renovate[bot]",
      occurredAt: at(STORM, 20_000 + i * 5000),
    }),
  ),
];

/** The theme fix: the same sites passing again (two of them were fixed earlier, by hand). */
const recoveryEvents: RunEvent[] = stormEvents
  .filter((event) => event.site !== "acme/site-hotel-rivage" && event.site !== "acme-cheese-shop")
  .map((event, i) => ({
    ...event,
    outcome: "success",
    detail: null,
    failedAt: null,
    commit: { ...event.commit, sha: sha(300 + i), message: "Bump acme-theme to 4.0.1" },
    ...(event.source === "github"
      ? {
          runId: event.runId + 400,
          logsUrl: `https://github.com/${event.repository}/actions/runs/${event.runId + 400}`,
        }
      : { logsUrl: `https://app.netlify.com/sites/${event.site}/deploys/67da${i}e1f0c4d2b0008a9b3${i}c` }),
    occurredAt: at(STORM, 47 * MINUTE + i * 6000),
  }));

const reminderNow = Date.parse(netlifyFailure.occurredAt) + 26 * HOUR;

const samples: Sample[] = [
  {
    kind: "failure",
    title: "GitHub workflow failure",
    postedAt: at(githubFailure.occurredAt, 2000),
    message: formatFailure(githubFailure),
  },
  {
    kind: "excerpt-reply",
    title: "Why it failed, in the failure's thread",
    postedAt: at(githubFailure.occurredAt, 11_000),
    message: excerptReply(githubFailure, 13_912_482),
  },
  {
    kind: "netlify-failure",
    title: "Netlify deploy failure",
    postedAt: at(netlifyFailure.occurredAt, 2000),
    message: formatFailure(netlifyFailure),
  },
  {
    kind: "recovery",
    title: "Recovered",
    postedAt: at(recovered.occurredAt, 2000),
    message: formatRecovery(recovered, {
      openedAt: githubFailure.occurredAt,
      failedRuns: 3,
      firstFailureUrl: githubFailure.logsUrl,
    }),
  },
  {
    kind: "reminder",
    title: "Reminder",
    postedAt: new Date(reminderNow).toISOString(),
    message: formatReminder(
      netlifyFailure,
      {
        openedAt: netlifyFailure.occurredAt,
        failedRuns: 4,
        lastFailureAt: at(netlifyFailure.occurredAt, 19 * HOUR + 12 * MINUTE),
        lastLogsUrl: "https://app.netlify.com/sites/acme-florist/deploys/67d8b41e0c2f5a0008d1c9a7",
      },
      reminderNow,
    ),
  },
  {
    kind: "digest",
    title: "Storm digest",
    postedAt: at(STORM, 3 * MINUTE),
    message: formatDigest(
      stormEvents.map((event) => ({ event })),
      "failure",
      { maxChars: DIGEST_MAX_CHARS },
    ),
  },
  {
    kind: "recovery-digest",
    title: "Recovery digest",
    postedAt: at(STORM, 52 * MINUTE),
    message: formatDigest(
      recoveryEvents.map((event) => ({ event })),
      "recovery",
      { maxChars: DIGEST_MAX_CHARS },
    ),
  },
];

// ---------------------------------------------------------------------------------------------------------
// Screenshots.

const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--hide-scrollbars",
  "--force-device-scale-factor=1",
  "--default-background-color=ffffffff",
];

const chromium = (binary: string, profile: string, args: string[]): string =>
  execFileSync(binary, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  }).toString();

/** The page's height, from the DOM Chromium dumps once the page has loaded and laid out. */
const measure = (binary: string, profile: string, file: string, source: string): number => {
  // Beside the profile, not in docs/: a copy of the page that writes its height into its title.
  const probe = join(profile, `probe-${basename(file)}`);
  const script = `<script>document.title = "height:" + Math.ceil(document.documentElement.getBoundingClientRect().height);</script>`;
  writeFileSync(probe, source.replace("</body>", `${script}</body>`));
  try {
    const dom = chromium(binary, profile, ["--dump-dom", `--window-size=${WIDTH},600`, `file://${probe}`]);
    const height = /height:(\d+)/.exec(dom)?.[1];
    if (height === undefined) throw new Error(`no height in the DOM of ${probe}`);
    return Number(height);
  } finally {
    rmSync(probe, { force: true });
  }
};

const screenshot = (binary: string, magick: string | null, file: string, source: string): string => {
  const png = join(OUT, basename(file).replace(/\.html$/, ".png"));
  const profile = mkdtempSync(join(tmpdir(), "vigie-chromium-"));
  try {
    const height = measure(binary, profile, file, source);
    chromium(binary, profile, [`--screenshot=${png}`, `--window-size=${WIDTH},${height}`, `file://${file}`]);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  if (magick !== null) {
    // No timestamps (a re-run gives the same bytes), and a palette: text on white needs few colours.
    execFileSync(magick, [
      png,
      "-strip",
      "-define",
      "png:exclude-chunks=date,time",
      "-colors",
      "256",
      `PNG8:${png}`,
    ]);
  }
  return png;
};

// ---------------------------------------------------------------------------------------------------------

mkdirSync(OUT, { recursive: true });
// The pages are only the inputs of the pictures: they go to a temporary directory, not into the repository.
const HTML = mkdtempSync(join(tmpdir(), "vigie-messages-"));
const pages: Array<{ file: string; source: string }> = [];
for (const sample of samples) {
  const violations = validateMessage(sample.message);
  if (violations.length > 0)
    throw new Error(`${sample.kind}: Slack would refuse it:\n${violations.join("\n")}`);
  const file = join(HTML, `${sample.kind}.html`);
  const source = slackPage(sample, WIDTH);
  writeFileSync(file, source);
  pages.push({ file, source });
}
for (const { name, source } of kindPages(githubFailure, recovered, githubFailure.occurredAt)) {
  const file = join(HTML, `${name}.html`);
  writeFileSync(file, source);
  pages.push({ file, source });
}
console.log(`wrote ${pages.length} pages to ${HTML}`);

if (!values["html-only"]) {
  const binary =
    process.env.CHROMIUM ?? which(["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]);
  if (binary === null) {
    console.error(
      "no Chromium found (apt-get install chromium, or CHROMIUM=path); run with --html-only to skip",
    );
    process.exit(1);
  }
  const emoji = emojiFont();
  if (emoji !== true)
    console.warn(
      emoji === null
        ? "cannot tell whether an emoji font is installed (no fc-list): the emoji may render as empty boxes"
        : "no emoji font: the emoji will render as empty boxes (apt-get install fonts-noto-color-emoji)",
    );
  const magick = imageMagick();
  if (magick === null) console.warn("no ImageMagick: the PNGs are Chromium's own (bigger, with timestamps)");
  for (const { file, source } of pages) console.log(`wrote ${screenshot(binary, magick, file, source)}`);
  if (!values.write)
    console.log("(the committed pictures are unchanged: npm run render-messages -- --write replaces them)");
}
