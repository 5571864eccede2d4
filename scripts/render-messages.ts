/**
 * `npm run render-messages`: the pictures of vigie's Slack messages in the README. Sample events go through the
 * real formatters (src/slack/format.ts); each SlackMessage is rendered to a self-contained HTML page that
 * imitates Slack's message view (a temporary <kind>.html), then screenshot by headless Chromium
 * (docs/messages/<kind>.png). Deterministic: fixed events and clocks, no network.
 *
 * Needs Chromium (Debian: `apt-get install chromium fonts-lato fonts-noto-color-emoji`); CHROMIUM=path picks
 * another binary. `--html-only` writes the pages without screenshots. With ImageMagick's `convert`, the PNGs
 * are stripped of their timestamps and quantised, so that they stay small and identical from run to run.
 * The same failure and recovery are also drawn as a Teams card and a Discord embed (scripts/render-kinds.ts):
 * docs/messages/teams-*.png, discord-*.png.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { FailedAt, GithubRunEvent, NetlifyDeployEvent, RunEvent } from "../src/event.ts";
import { failedAt } from "../src/failed-at.ts";
import {
  DIGEST_MAX_CHARS,
  formatDigest,
  formatFailure,
  formatRecovery,
  formatReminder,
  validateMessage,
} from "../src/slack/format.ts";
import type { Block, SlackMessage, TextObject } from "../src/slack/message.ts";
import { failedStage } from "../src/sources/netlify/failed-stage.ts";
import { asFailure, githubEvent, netlifyEvent } from "../test/fixtures/events.ts";
import { kindPages } from "./render-kinds-pages.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "docs", "messages");
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

/** What GITHUB_TOKEN finds out: the failed job and step of the run, and the job's failure annotation. */
const jobFailed = (
  repository: string,
  runId: number,
  name: string,
  step: string,
  error: string | null = null,
) =>
  failedAt([
    {
      name,
      step,
      error,
      url: `https://github.com/${repository}/actions/runs/${runId}/job/${runId * 10 + 1}`,
    },
  ]) as FailedAt;

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
      // The theme broke the builds; the timed-out runs were stuck uploading to a slow host.
      failedAt:
        i % 4 === 3
          ? jobFailed(`acme/site-${site}`, 13_930_100 + i, "Deploy", "Upload to host")
          : jobFailed(`acme/site-${site}`, 13_930_100 + i, "Build", "Run hugo --minify"),
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

interface Sample {
  /** docs/messages/<kind>.png, as the README names them. */
  readonly kind: string;
  readonly title: string;
  /** When Slack received it, shown next to the app name. */
  readonly postedAt: string;
  readonly message: SlackMessage;
}

const reminderNow = Date.parse(netlifyFailure.occurredAt) + 26 * HOUR;

const samples: Sample[] = [
  {
    kind: "failure",
    title: "GitHub workflow failure",
    postedAt: at(githubFailure.occurredAt, 2000),
    message: formatFailure(githubFailure),
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
// Slack mrkdwn → HTML, for the parts of it vigie writes.

const html = (text: string): string =>
  text.replace(
    /[&<>"]/g,
    (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[char] ?? char,
  );

/** Slack escapes exactly these three; what the reader sees is the character. */
const unescapeSlack = (text: string): string =>
  text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** Text as the reader sees it, made safe for HTML. */
const shown = (text: string): string => html(unescapeSlack(text));

/** *bold*, _italic_, ~strike~: the marks must touch a word on the inside and a boundary on the outside. */
const emphasis = (text: string): string => {
  const mark = (char: string) =>
    new RegExp(
      `(^|[\\s(\\[{"'.,;:!?\\u2026-])\\${char}(?=\\S)([^${char}\\n]*?\\S)\\${char}(?=$|[\\s)\\]}"'.,;:!?\\u2026-])`,
      "g",
    );
  return text
    .replace(mark("*"), "$1<b>$2</b>")
    .replace(mark("_"), "$1<i>$2</i>")
    .replace(mark("~"), "$1<s>$2</s>");
};

/** Renders one `<…>` token: a link, a date (as its fallback text, like a client that cannot format it), a mention. */
const angle = (inner: string): string => {
  const bar = inner.indexOf("|");
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? null : inner.slice(bar + 1);
  if (target.startsWith("!date^")) {
    const fallback = label ?? target;
    return `<span class="date">${shown(fallback)}</span>`;
  }
  if (target.startsWith("!") || target.startsWith("@") || target.startsWith("#")) {
    return `<span class="mention">${shown(label ?? target.replace(/^!/, "@"))}</span>`;
  }
  const href = unescapeSlack(target);
  return `<a href="${html(href)}">${shown(label ?? target)}</a>`;
};

const mrkdwn = (source: string): string => {
  const held: string[] = [];
  const hold = (rendered: string): string => `\u{e000}${held.push(rendered) - 1}\u{e001}`;
  let text = source
    .replace(/```([\s\S]*?)```/g, (_, code: string) => hold(`<pre>${shown(code.replace(/^\n/, ""))}</pre>`))
    .replace(/`([^`\n]+)`/g, (_, code: string) => hold(`<code>${shown(code)}</code>`))
    .replace(/<([^<>\n]+)>/g, (_, inner: string) => hold(angle(inner)));
  text = emphasis(shown(text)).replace(/\n/g, "<br>");
  // A code block is a block: the line breaks around it are its margins.
  text = text.replace(/(<br>)?(\u{e000}\d+\u{e001})(<br>)?/gu, (whole, _before, token: string) =>
    held[Number(token.slice(1, -1))]?.startsWith("<pre>") ? token : whole,
  );
  return text.replace(/\u{e000}(\d+)\u{e001}/gu, (_, index: string) => held[Number(index)] ?? "");
};

const textObject = (object: TextObject): string =>
  object.type === "mrkdwn" ? mrkdwn(object.text) : shown(object.text).replace(/\n/g, "<br>");

const renderBlock = (block: Block): string => {
  switch (block.type) {
    case "header":
      return `<div class="header">${html(block.text.text)}</div>`;
    case "section": {
      const text = block.text ? `<div class="text">${textObject(block.text)}</div>` : "";
      const fields = block.fields?.length
        ? `<div class="fields">${block.fields.map((f) => `<div class="field">${textObject(f)}</div>`).join("")}</div>`
        : "";
      return `<div class="section">${text}${fields}</div>`;
    }
    case "context":
      return `<div class="context">${block.elements.map((e) => `<span>${textObject(e)}</span>`).join("")}</div>`;
    case "divider":
      return `<hr class="divider">`;
    case "actions":
      return `<div class="actions">${block.elements
        .map((b) => `<a class="button" href="${html(b.url)}">${html(b.text.text)}</a>`)
        .join("")}</div>`;
  }
};

/** "9:44 AM", as Slack shows a message's time (here in UTC, for a stable picture). */
const clock = (iso: string): string => {
  const date = new Date(iso);
  const hours = date.getUTCHours();
  return `${hours % 12 === 0 ? 12 : hours % 12}:${String(date.getUTCMinutes()).padStart(2, "0")} ${hours < 12 ? "AM" : "PM"}`;
};

/** Slack's message view, imitated; read at run time and inlined into each page (self-contained). */
const CSS = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "render-messages.css"), "utf8");

/** A lookout's eye: vigie is French for the lookout at the masthead. */
const AVATAR = `<svg role="img" aria-label="vigie" viewBox="0 0 24 24" fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z"/><circle cx="12" cy="12" r="3" fill="#fff"/></svg>`;

const page = (sample: Sample): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=${WIDTH}">
<title>vigie: ${html(sample.title)}</title>
<!-- Generated by scripts/render-messages.ts from the real formatters; do not edit. -->
<style>${CSS}</style>
</head>
<body>
<div class="window">
<div class="message">
<div class="avatar">${AVATAR}</div>
<div class="body">
<div class="meta"><span class="name">vigie</span><span class="badge">APP</span><span class="time">${clock(sample.postedAt)}</span></div>
${sample.message.blocks.map(renderBlock).join("\n")}
</div>
</div>
</div>
</body>
</html>
`;

// ---------------------------------------------------------------------------------------------------------
// Screenshots.

const which = (names: string[]): string | null => {
  for (const name of names) {
    try {
      execFileSync("sh", ["-c", `command -v "$1"`, "sh", name], { stdio: "pipe" });
      return name;
    } catch {}
  }
  return null;
};

/** ImageMagick's own convert, not a stand-in that only knows a few of its options. */
const imageMagick = (): string | null => {
  for (const name of ["magick", "convert"]) {
    try {
      if (execFileSync(name, ["-version"], { stdio: "pipe" }).toString().includes("ImageMagick")) return name;
    } catch {}
  }
  return null;
};

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

const { values } = parseArgs({ options: { "html-only": { type: "boolean", default: false } } });

mkdirSync(OUT, { recursive: true });
// The pages are only the inputs of the pictures: they go to a temporary directory, not into the repository.
const HTML = mkdtempSync(join(tmpdir(), "vigie-messages-"));
const pages: Array<{ file: string; source: string }> = [];
for (const sample of samples) {
  const violations = validateMessage(sample.message);
  if (violations.length > 0)
    throw new Error(`${sample.kind}: Slack would refuse it:\n${violations.join("\n")}`);
  const file = join(HTML, `${sample.kind}.html`);
  const source = page(sample);
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
  const magick = imageMagick();
  if (magick === null) console.warn("no ImageMagick: the PNGs are Chromium's own (bigger, with timestamps)");
  for (const { file, source } of pages) console.log(`wrote ${screenshot(binary, magick, file, source)}`);
}
