import { createHash } from "node:crypto";
import { applyFilter, type BoardFilter, filterForm, isFiltered, NO_FILTER } from "./board-filter.ts";
import { duration, time } from "./board-format.ts";
import { type Html, html, raw } from "./html.ts";
import type { StatusReport } from "./read-status.ts";
import { historySection, openSection, outboxSection, recoveriesSection } from "./render-sections.ts";
import { renderSilences } from "./render-silences.ts";

/**
 * The board: what is broken right now, across every site, for a browser (docs/architecture.md, "The
 * board"). Server-rendered from the same StatusReport as the JSON answer, no script at all: the CSP below
 * forbids any. A summary line first, then the open episodes (grouped when many failed the same way), the
 * recoveries (a storm's folded into one row), delivery and 30 days of history. Every interpolation is
 * escaped by the `html` template (html.ts); links are made only of http(s) URLs. Readable on a 390 px
 * phone: tables become cards, long names wrap.
 */

const STYLE = `
:root{color-scheme:light dark;--red:#c62828;--green:#2e7d32;--amber:#b26a00;--muted:#666}
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;padding:1rem;max-width:72rem;overflow-wrap:anywhere}
h1{margin:.2rem 0 .6rem;font-size:1.4rem}h2{margin:2rem 0 .6rem;font-size:1.2rem}
.summary{font-size:1.1rem;margin:.4rem 0}.summary span{white-space:nowrap}
.banner{border-radius:.4rem;padding:.6rem .8rem;margin:.6rem 0}
.banner.alarm{background:var(--red);color:#fff;font-weight:600}
.banner.notice{border:1px solid var(--amber)}
.bad{color:var(--red);font-weight:600}.ok{color:var(--green)}.warn{color:var(--amber);font-weight:600}
table{border-collapse:collapse;width:100%}th,td{padding:.35rem .5rem;text-align:left;vertical-align:top;border-bottom:1px solid #8883}
th{font-weight:600}td.num{text-align:right}caption{text-align:left}
.muted{color:var(--muted)}ul.jobs{margin:0;padding-left:1rem}
details.why pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85em;margin:.3rem 0}
details.group{border:1px solid #8884;border-radius:.4rem;padding:.4rem .6rem;margin:.5rem 0}
details.group summary{cursor:pointer}
.filter{display:flex;flex-wrap:wrap;gap:.4rem .8rem;align-items:end;margin:.6rem 0}
.filter input,.filter select{font:inherit;max-width:12rem}
.chart{width:100%;max-width:42rem;height:auto;display:block}
.chart .bar{fill:var(--red)}.chart .base{stroke:#8888}.chart text{font-size:11px;fill:currentColor}
@media (max-width:40rem){body{padding:.5rem}
table,thead,tbody,tr,th,td,caption{display:block}thead{display:none}
tr{border-bottom:1px solid #8886;padding:.3rem 0}th,td{border:0;padding:.1rem 0}td.num{text-align:left}
td[data-label]::before{content:attr(data-label) ": ";color:var(--muted)}}
`;

/** A bell as the tab's icon, inline (no request, no file to deploy). */
const FAVICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%23c62828'/%3E%3Cpath d='M4 8h8M8 4v8' stroke='white' stroke-width='2'/%3E%3C/svg%3E";

/**
 * No script, no frame; styles only from the page's own hashed block, images only inline (the favicon);
 * the filter form submits to the page itself
 * (https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Security-Policy).
 */
export const BOARD_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`,
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** How often the page reloads itself (a meta refresh: no script needed). */
export const REFRESH_SECONDS = 60;

export interface RenderOptions {
  /** Words the ages ("3 h 12 min"); the times themselves are in the report. */
  readonly now?: number;
  /** The board of `npm start` (dry run is its friendly default: a notice, not an alarm). */
  readonly local?: boolean;
  readonly filter?: BoardFilter;
}

/** "3 broken · 13 recovered in 24 h · 0 dead · sweep 22 s ago": the state of everything in one line. */
export const summaryLine = (report: StatusReport, now: number): Html => {
  const { open } = report.episodes;
  const dead = report.outbox.dead;
  const sweep = report.sweep.lastRunAt;
  return html`<p class="summary"><span class="${open > 0 ? "bad" : "ok"}">${open} broken</span> · <span>${report.recoveries.length} recovered in 24 h</span> · <span class="${dead > 0 ? "bad" : "ok"}">${dead} dead</span> · <span class="${report.sweep.stale ? "warn" : "ok"}">${
    sweep === null ? "sweep never ran" : `sweep ${duration(now - Date.parse(sweep))} ago`
  }</span></p>`;
};

const banners = (report: StatusReport, now: number, local: boolean): Html => {
  const { config, sweep } = report;
  const dryRun = report.dryRun
    ? local
      ? html`<p class="banner notice" role="status">Dry run: SLACK_WEBHOOK_URL is unset, so messages are printed in the log of <code>npm start</code>, not sent.</p>`
      : html`<p class="banner alarm" role="alert">DRY RUN: nothing is sent. SLACK_WEBHOOK_URL is unset on this deploy, so every message is only logged. Set it in the site's environment (Functions scope) and redeploy.</p>`
    : "";
  const configLine = config.valid
    ? ""
    : html`<p class="banner alarm" role="alert">Configuration problems: ${config.problems.join(", ")} (the function log says why).</p>`;
  const sweepLine =
    sweep.lastRunAt === null
      ? html`<p class="warn">The sweep has never run: retries, digests and reminders wait.</p>`
      : sweep.stale
        ? html`<p class="warn">Last sweep ${duration(now - Date.parse(sweep.lastRunAt))} ago (${time(sweep.lastRunAt)}): it should run every minute, check the scheduled function.</p>`
        : "";
  return html`${dryRun}${configLine}${sweepLine}`;
};

/** The whole page. */
export const renderStatus = (report: StatusReport, options: RenderOptions = {}): string => {
  const now = options.now ?? Date.parse(report.generatedAt);
  const filter = options.filter ?? NO_FILTER;
  const shown = applyFilter(report, filter);
  const open = report.episodes.open;
  return `${html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<title>${open > 0 ? `(${open}) ` : ""}${report.dryRun ? "DRY RUN · " : ""}vigie: what is broken</title>
<link rel="icon" href="${raw(FAVICON)}">
<style>${raw(STYLE)}</style>
</head><body>
<header><h1>vigie: what is broken right now</h1>
${summaryLine(report, now)}
${banners(report, now, options.local === true)}
<p class="muted">As of ${time(report.generatedAt)}; the page reloads every minute.${
    report.config.valid && !report.dryRun ? " Configuration valid." : ""
  }</p>
${filterForm(filter)}</header>
<main>
${openSection(shown, now, isFiltered(filter))}
${recoveriesSection(shown)}
${renderSilences(report.actions, now)}
${outboxSection(report)}
${historySection(report)}
</main>
</body></html>
`}`;
};
