import { duration, link, naturalCompare, plural, shortDuration, since, time } from "./board-format.ts";
import { type EpisodeRow, foldRecoveries, groupEpisodes } from "./board-groups.ts";
import { type Html, html } from "./html.ts";
import type { OpenEpisode, StatusReport } from "./read-status.ts";
import { brokenTimeChart, failuresChart } from "./render-charts.ts";
import { renderExcerpt } from "./render-why.ts";

/**
 * The board's sections (render-status.ts puts them on the page). Tables have headers with `scope`; on a
 * narrow screen each row becomes a card whose cells are labelled from `data-label` (CSS only).
 */

type Cell = Html | string | number;

/**
 * The roles are explicit: a table laid out as cards (display: block) loses its table semantics in
 * browsers' accessibility trees otherwise.
 */
const table = (caption: string, headers: readonly string[], rows: readonly (readonly Cell[])[]): Html =>
  html`<table role="table"><caption class="muted">${caption}</caption><thead role="rowgroup"><tr role="row">${headers.map(
    (header) => html`<th scope="col" role="columnheader">${header}</th>`,
  )}</tr></thead><tbody role="rowgroup">
${rows.map(
  ([first, ...rest]) =>
    html`<tr role="row"><th scope="row" role="rowheader">${first ?? ""}</th>${rest.map(
      (cell, i) =>
        html`<td role="cell" data-label="${headers[i + 1] ?? ""}"${typeof cell === "number" ? html` class="num"` : ""}>${cell}</td>`,
    )}</tr>\n`,
)}</tbody></table>`;

const whatFailed = (episode: OpenEpisode): Html => {
  const { jobs, outcome, detail } = episode.failed;
  if (jobs.length === 0)
    return html`${outcome}${detail ? html`<br><span class="muted">${detail}</span>` : ""}`;
  return html`<ul class="jobs">${jobs.map((job) => {
    const where = [job.stage, job.step].filter((part) => part !== null).join(" › ");
    return html`<li>${link(job.url, job.name)}${where ? html` <span class="muted">(${where})</span>` : ""}${job.error ? html`: ${job.error}` : ""}</li>`;
  })}</ul>${renderExcerpt(jobs)}`;
};

const EPISODE_HEADERS = ["site", "source", "branch", "what failed", "broken for", "failed runs", "links"];
const RERUN_STATE = {
  waiting: "🔁 re-run automatically: nobody told unless it fails again",
  "failed again": "🔁 failed again after an automatic re-run",
  refused: "the automatic re-run was refused",
} as const;

const episodeCells = (episode: OpenEpisode, now: number): Cell[] => [
  html`${episode.site}<br><span class="muted">${episode.workflow}</span>${
    episode.autoRerun ? html`<br><span class="muted">${RERUN_STATE[episode.autoRerun]}</span>` : ""
  }`,
  episode.source,
  episode.branch ?? "",
  whatFailed(episode),
  since(episode.since, now),
  episode.failedRuns,
  html`${link(episode.logsUrl, "logs")}${episode.slackUrl ? html`<br>${link(episode.slackUrl, "Slack")}` : ""}`,
];

const groupBlock = (row: Extract<EpisodeRow, { kind: "group" }>, now: number): Html => {
  const oldest = row.episodes.reduce(
    (min, e) => Math.min(min, Date.parse(e.since)),
    Number.POSITIVE_INFINITY,
  );
  return html`<details class="group"><summary><strong>${plural(row.episodes.length, "site")}</strong> · ${row.label}${
    Number.isFinite(oldest) ? html` <span class="muted">· for up to ${duration(now - oldest)}</span>` : ""
  }</summary>
${table(
  `${plural(row.episodes.length, "site")} that failed the same way`,
  EPISODE_HEADERS,
  row.episodes.map((episode) => episodeCells(episode, now)),
)}</details>`;
};

export const openSection = (report: StatusReport, now: number, filtered: boolean): Html => {
  const { open, list, truncated } = report.episodes;
  const heading = html`<h2 id="open">Broken now: ${plural(open, "open episode")}</h2>`;
  if (open === 0) return html`${heading}\n<p class="ok">Nothing is broken.</p>`;
  const rows = groupEpisodes(list);
  const groups = rows.filter((row) => row.kind === "group");
  const singles = rows.filter((row) => row.kind === "one");
  return html`${heading}
${truncated ? html`<p class="warn">Only ${list.length} of ${open} are listed.</p>` : ""}
${filtered ? html`<p class="muted">The filter shows ${list.length} of them.</p>` : ""}
${groups.map((row) => groupBlock(row, now))}
${
  singles.length > 0
    ? table(
        "Open episodes, sites in natural order",
        EPISODE_HEADERS,
        singles.map((row) => episodeCells(row.episode, now)),
      )
    : ""
}`;
};

const RECOVERY_HEADERS = ["site", "source", "branch", "broken for", "recovered at", "links"];
const recoveryCells = (r: StatusReport["recoveries"][number]): Cell[] => [
  html`${r.site}<br><span class="muted">${r.workflow}</span>`,
  r.source,
  r.branch,
  duration(Date.parse(r.closedAt) - Date.parse(r.openedAt)),
  time(r.closedAt),
  link(r.logsUrl, "first failure"),
];

export const recoveriesSection = (report: StatusReport): Html => {
  const heading = html`<h2 id="recoveries">Recovered in the last 24 h</h2>`;
  if (report.recoveries.length === 0)
    return html`${heading}\n<p class="muted">No recovery in the last 24 h.</p>`;
  const rows = foldRecoveries(report.recoveries);
  return html`${heading}
${rows.map((row) =>
  row.kind === "storm"
    ? html`<details class="group"><summary><strong>${plural(row.recoveries.length, "site")} recovered at ${time(row.at)}</strong></summary>
${table("Recoveries of one storm, sites in natural order", RECOVERY_HEADERS, row.recoveries.map(recoveryCells))}</details>`
    : "",
)}
${
  rows.some((row) => row.kind === "one")
    ? table(
        "Recoveries, the newest first",
        RECOVERY_HEADERS,
        rows.flatMap((row) => (row.kind === "one" ? [recoveryCells(row.recovery)] : [])),
      )
    : ""
}`;
};

export const outboxSection = (report: StatusReport): Html => {
  const { waiting, retrying, dead, deadMessages, truncated } = report.outbox;
  const heading = html`<h2 id="outbox">Delivery</h2>`;
  const counts = html`<p>${plural(waiting, "message")} waiting (${retrying} retrying after an error), <span class="${dead > 0 ? "bad" : "ok"}">${dead} dead</span>${truncated ? html` <span class="muted">(among the newest messages)</span>` : ""}.</p>`;
  if (deadMessages.length === 0) return html`${heading}\n${counts}`;
  return html`${heading}\n${counts}
<p>Once the destination is fixed: <code>npm run outbox -- resend --dead --url BASE</code> sends each dead message once more.</p>
${table(
  "Messages vigie could not deliver, the newest first",
  ["message", "since", "reason", "what to do"],
  deadMessages.map((m) => [
    html`${m.summary}<br><span class="muted">${m.kind}</span>`,
    time(m.createdAt),
    m.reason,
    m.advice,
  ]),
)}`;
};

export const historySection = (report: StatusReport): Html => {
  const { days, sites } = report.history;
  return html`<h2 id="history">Last 30 days</h2>
<h3>Failures per day</h3>
${failuresChart(days)}
<details><summary>Failures per day as a table</summary>
${table(
  "Episodes opened and closed per UTC day",
  ["day", "opened", "closed"],
  days.map((d) => [d.day, d.opened, d.closed]),
)}
</details>
<h3>Broken time per site (the 20 worst)</h3>
${
  sites.length === 0
    ? html`<p class="muted">No broken time recorded.</p>`
    : html`${brokenTimeChart(sites)}
<details><summary>Broken time per site as a table</summary>
${table(
  "Broken time per site over 30 days, sites in natural order",
  ["site", "broken"],
  [...sites].sort((a, b) => naturalCompare(a.site, b.site)).map((s) => [s.site, shortDuration(s.brokenMs)]),
)}
</details>`
}
${flakySection(report.history.flaky ?? [])}`;
};

/** Flaky: closed by a run of the same commit (nothing fixed); passed on re-run: nobody was told. */
const flakySection = (rows: NonNullable<StatusReport["history"]["flaky"]>): Html =>
  html`<h3>Broken and flaky per site (the 20 most broken)</h3>
${
  rows.length === 0
    ? html`<p class="muted">No episode recorded.</p>`
    : table(
        "Per site over 30 days: episodes opened, closed by a run of the same commit (flaky), passed on an automatic re-run",
        ["site", "broken", "flaky", "passed on re-run"],
        rows.map((r) => [r.site, r.broken, r.flaky, r.passedOnRerun]),
      )
}`;
