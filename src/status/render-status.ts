import { createHash } from "node:crypto";
import { escapeHtml } from "./escape-html.ts";
import type { OpenEpisode, StatusReport } from "./read-status.ts";
import { brokenTimeChart, failuresChart, hours } from "./render-charts.ts";
import { renderSilences } from "./render-silences.ts";

/**
 * The board: what is broken right now, across every site, for a browser (docs/architecture.md, "The
 * board"). Server-rendered from the same StatusReport as the JSON answer, no script at all: the CSP below
 * forbids any. Tables have headers with `scope`, charts have text alternatives and a data table, and every
 * payload string goes through escapeHtml. Links are made only of http(s) URLs.
 */

const STYLE = `
:root{color-scheme:light dark;--red:#c62828;--green:#2e7d32;--amber:#b26a00;--muted:#666}
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;padding:1rem;max-width:72rem}
h1{margin:.2rem 0 1rem}h2{margin:2rem 0 .6rem;font-size:1.2rem}
.summary{display:flex;flex-wrap:wrap;gap:.6rem;padding:0;list-style:none}
.summary li{border:1px solid #8884;border-radius:.4rem;padding:.4rem .7rem}
.bad{color:var(--red);font-weight:600}.ok{color:var(--green)}.warn{color:var(--amber);font-weight:600}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}th,td{padding:.35rem .5rem;text-align:left;vertical-align:top;border-bottom:1px solid #8883}
th{font-weight:600}td.num{text-align:right}
.muted{color:var(--muted)}ul.jobs{margin:0;padding-left:1rem}
.chart{width:100%;max-width:42rem;height:auto;display:block}
.chart .bar{fill:var(--red)}.chart .base{stroke:#8888}.chart text{font-size:11px;fill:currentColor}
@media (max-width:40rem){body{padding:.5rem}th,td{padding:.3rem}}
`;

/**
 * No script, no frame, no form, styles only from the page's own hashed block
 * (https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Security-Policy).
 */
export const BOARD_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`,
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** How often the page reloads itself (a meta refresh: no script needed). */
export const REFRESH_SECONDS = 60;

const e = escapeHtml;

/** An http(s) URL as a link; anything else (javascript:, data:) as plain text. */
const link = (url: string | null, text: string): string => {
  if (url === null) return e(text);
  try {
    const { protocol } = new URL(url);
    if (protocol === "https:" || protocol === "http:") return `<a href="${e(url)}">${e(text)}</a>`;
  } catch {}
  return e(text);
};

/** "3 h 12 min", "2 days 4 h", "40 s". */
export const duration = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h${min % 60 ? ` ${min % 60} min` : ""}`;
  const days = Math.floor(h / 24);
  return `${days} days${h % 24 ? ` ${h % 24} h` : ""}`;
};

const time = (iso: string): string => {
  const ms = Date.parse(iso);
  const text = Number.isFinite(ms) ? `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC` : iso;
  return `<time datetime="${e(iso)}">${e(text)}</time>`;
};

const since = (iso: string, now: number): string => {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? `${e(duration(now - ms))}<br><span class="muted">${time(iso)}</span>` : e(iso);
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

const table = (caption: string, headers: readonly string[], rows: readonly string[]): string =>
  `<div class="scroll"><table><caption class="muted">${e(caption)}</caption><thead><tr>${headers
    .map((header) => `<th scope="col">${e(header)}</th>`)
    .join("")}</tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table></div>`;

const whatFailed = (episode: OpenEpisode): string => {
  const { jobs, outcome, detail } = episode.failed;
  if (jobs.length === 0) return `${e(outcome)}${detail ? `<br><span class="muted">${e(detail)}</span>` : ""}`;
  return `<ul class="jobs">${jobs
    .map((job) => {
      const where = [job.stage, job.step].filter((part) => part !== null).join(" › ");
      return `<li>${link(job.url, job.name)}${where ? ` <span class="muted">(${e(where)})</span>` : ""}${job.error ? `: ${e(job.error)}` : ""}</li>`;
    })
    .join("")}</ul>`;
};

const episodeRows = (report: StatusReport, now: number): string[] =>
  report.episodes.list.map(
    (episode) =>
      `<tr><th scope="row">${e(episode.site)}<br><span class="muted">${e(episode.workflow)}</span></th><td>${e(episode.source)}</td><td>${e(episode.branch ?? "")}</td><td>${whatFailed(episode)}</td><td>${since(episode.since, now)}</td><td class="num">${episode.failedRuns}</td><td>${link(episode.logsUrl, "logs")}${episode.slackUrl ? `<br>${link(episode.slackUrl, "Slack")}` : ""}</td></tr>`,
  );

const openSection = (report: StatusReport, now: number): string => {
  const { open, list, truncated } = report.episodes;
  const heading = `<h2 id="open">Broken now: ${plural(open, "open episode")}</h2>`;
  if (open === 0) return `${heading}\n<p class="ok">Nothing is broken.</p>`;
  return `${heading}
${truncated ? `<p class="warn">Only ${list.length} of ${open} are listed.</p>` : ""}
${table(
  "Open episodes, the longest broken first",
  ["site", "source", "branch", "what failed", "broken for", "failed runs", "links"],
  episodeRows(report, now),
)}`;
};

const recoveriesSection = (report: StatusReport): string => {
  const heading = `<h2 id="recoveries">Recovered in the last 24 h</h2>`;
  if (report.recoveries.length === 0) return `${heading}\n<p class="muted">No recovery in the last 24 h.</p>`;
  return `${heading}\n${table(
    "Recoveries, the newest first",
    ["site", "source", "branch", "broken for", "recovered at", "links"],
    report.recoveries.map(
      (r) =>
        `<tr><th scope="row">${e(r.site)}<br><span class="muted">${e(r.workflow)}</span></th><td>${e(r.source)}</td><td>${e(r.branch)}</td><td>${e(duration(Date.parse(r.closedAt) - Date.parse(r.openedAt)))}</td><td>${time(r.closedAt)}</td><td>${link(r.logsUrl, "first failure")}</td></tr>`,
    ),
  )}`;
};

const outboxSection = (report: StatusReport): string => {
  const { waiting, retrying, dead, deadMessages, truncated } = report.outbox;
  const heading = `<h2 id="outbox">Slack delivery</h2>`;
  const counts = `<p>${plural(waiting, "message")} waiting (${retrying} retrying after an error), <span class="${dead > 0 ? "bad" : "ok"}">${dead} dead</span>${truncated ? ' <span class="muted">(among the newest messages)</span>' : ""}.</p>`;
  if (deadMessages.length === 0) return `${heading}\n${counts}`;
  return `${heading}\n${counts}\n${table(
    "Messages vigie could not deliver, the newest first",
    ["message", "since", "reason", "what to do"],
    deadMessages.map(
      (m) =>
        `<tr><th scope="row">${e(m.summary)}<br><span class="muted">${e(m.kind)}</span></th><td>${time(m.createdAt)}</td><td>${e(m.reason)}</td><td>${e(m.advice)}</td></tr>`,
    ),
  )}`;
};

const historySection = (report: StatusReport): string => {
  const { days, sites } = report.history;
  return `<h2 id="history">Last 30 days</h2>
<h3>Failures per day</h3>
${failuresChart(days)}
<details><summary>Failures per day as a table</summary>
${table(
  "Episodes opened and closed per UTC day",
  ["day", "opened", "closed"],
  days.map(
    (d) =>
      `<tr><th scope="row">${e(d.day)}</th><td class="num">${d.opened}</td><td class="num">${d.closed}</td></tr>`,
  ),
)}
</details>
<h3>Broken time per site (the 20 worst)</h3>
${
  sites.length === 0
    ? `<p class="muted">No broken time recorded.</p>`
    : `${brokenTimeChart(sites)}
<details><summary>Broken time per site as a table</summary>
${table(
  "Broken time per site over 30 days",
  ["site", "broken"],
  sites.map((s) => `<tr><th scope="row">${e(s.site)}</th><td class="num">${e(hours(s.brokenMs))}</td></tr>`),
)}
</details>`
}`;
};

/** The whole page. `now` only words the ages ("3 h 12 min"): the times themselves are in the report. */
export const renderStatus = (report: StatusReport, now: number = Date.parse(report.generatedAt)): string => {
  const { config, sweep } = report;
  const configItem = config.valid
    ? `<li class="ok">Configuration valid</li>`
    : `<li class="bad">Configuration problems: ${config.problems.map(e).join(", ")} <span class="muted">(the function log says why)</span></li>`;
  const sweepItem =
    sweep.lastRunAt === null
      ? `<li class="warn">The sweep has never run: retries, digests and reminders wait</li>`
      : `<li class="${sweep.stale ? "warn" : "ok"}">Last sweep ${e(duration(now - Date.parse(sweep.lastRunAt)))} ago (${time(sweep.lastRunAt)})${sweep.stale ? ": it should run every minute, check the scheduled function" : ""}</li>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<title>${report.episodes.open > 0 ? `(${report.episodes.open}) ` : ""}vigie: what is broken</title>
<style>${STYLE}</style>
</head><body>
<header><h1>vigie: what is broken right now</h1>
<ul class="summary">
<li class="${report.episodes.open > 0 ? "bad" : "ok"}">${plural(report.episodes.open, "open episode")}</li>
<li class="${report.outbox.dead > 0 ? "bad" : "ok"}">${report.outbox.dead} dead ${report.outbox.dead === 1 ? "message" : "messages"}</li>
${configItem}
${sweepItem}
</ul>
<p class="muted">As of ${time(report.generatedAt)}; the page reloads every minute.</p></header>
<main>
${openSection(report, now)}
${renderSilences(report.actions, now)}
${recoveriesSection(report)}
${outboxSection(report)}
${historySection(report)}
</main>
</body></html>
`;
};
