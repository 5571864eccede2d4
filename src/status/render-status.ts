import type { StatusReport } from "./read-status.ts";

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char] as string,
  );

/**
 * A plain, readable page with the same data as the JSON answer, for a browser. The board (history, SVG)
 * will be built on the same StatusReport; this is its minimal first form.
 */
export const renderStatus = (report: StatusReport): string => {
  const rows = report.episodes.list
    .map(
      (episode) =>
        `<tr><td>${escapeHtml(episode.site)}</td><td>${escapeHtml(episode.source)}</td><td>${escapeHtml(episode.branch ?? "")}</td><td>${escapeHtml(episode.since)}</td><td>${episode.failedRuns}</td></tr>`,
    )
    .join("\n");
  const config = report.config.valid
    ? "valid"
    : `invalid: ${report.config.problems.map(escapeHtml).join(", ")} (the function log says why)`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>vigie status</title>
<style>body{font:15px/1.4 system-ui,sans-serif;margin:2rem;max-width:60rem}td,th{padding:.2rem .6rem;text-align:left}</style>
</head><body>
<h1>vigie</h1>
<ul>
<li>Configuration: ${config}</li>
<li>Outbox: ${report.outbox.waiting} waiting, ${report.outbox.dead} dead${report.outbox.truncated ? " (newest messages only)" : ""}</li>
<li>Last sweep: ${report.sweep.lastRunAt ?? "never"}</li>
</ul>
<h2>${report.episodes.open} open episode${report.episodes.open === 1 ? "" : "s"}</h2>
${report.episodes.list.length === 0 ? "<p>Nothing is broken.</p>" : `<table><tr><th>site</th><th>source</th><th>branch</th><th>since</th><th>failed runs</th></tr>\n${rows}\n</table>`}
</body></html>
`;
};
