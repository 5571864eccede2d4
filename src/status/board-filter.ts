import { oneOf } from "../one-of.ts";
import { type Html, html } from "./html.ts";
import type { OpenEpisode, StatusReport } from "./read-status.ts";

/**
 * The board's filter: a GET form (`?site=&source=&branch=`), so it works without a script and a filtered
 * board is a link one can share. Site and branch match case-insensitively, as a part of the name or, with
 * `*`, as a glob of the whole name; source is one of the sources. It narrows the lists, never the counts.
 */
export interface BoardFilter {
  readonly site: string | null;
  readonly source: string | null;
  readonly branch: string | null;
}

export const NO_FILTER: BoardFilter = { site: null, source: null, branch: null };
export const SOURCES = ["github", "netlify", "gitlab"] as const;
const MAX_LENGTH = 200;

const field = (params: URLSearchParams, name: string): string | null => {
  const value = params.get(name)?.trim().slice(0, MAX_LENGTH) ?? "";
  return value === "" ? null : value;
};

export const parseBoardFilter = (params: URLSearchParams): BoardFilter => {
  const source = field(params, "source");
  return {
    site: field(params, "site"),
    source: source !== null && oneOf(SOURCES, source) ? source : null,
    branch: field(params, "branch"),
  };
};

export const isFiltered = (filter: BoardFilter): boolean =>
  filter.site !== null || filter.source !== null || filter.branch !== null;

const matches = (pattern: string | null, value: string | null): boolean => {
  if (pattern === null) return true;
  if (value === null) return false;
  const wanted = pattern.toLowerCase();
  const text = value.toLowerCase();
  if (!wanted.includes("*")) return text.includes(wanted);
  const source = wanted.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${source.join(".*")}$`).test(text);
};

type Row = Pick<OpenEpisode, "site" | "source"> & { readonly branch: string | null };
export const matchesFilter = (filter: BoardFilter, row: Row): boolean =>
  matches(filter.site, row.site) &&
  (filter.source === null || filter.source === row.source) &&
  matches(filter.branch, row.branch);

/** The report with only the episodes and recoveries the filter keeps (counts unchanged). */
export const applyFilter = (report: StatusReport, filter: BoardFilter): StatusReport =>
  isFiltered(filter)
    ? {
        ...report,
        episodes: { ...report.episodes, list: report.episodes.list.filter((e) => matchesFilter(filter, e)) },
        recoveries: report.recoveries.filter((r) => matchesFilter(filter, r)),
      }
    : report;

export const filterForm = (filter: BoardFilter): Html => html`<form class="filter" method="get" role="search">
<label>site <input name="site" type="search" value="${filter.site ?? ""}" placeholder="acme/* or docs"></label>
<label>source <select name="source"><option value="">any</option>${SOURCES.map(
  (source) =>
    html`<option value="${source}"${filter.source === source ? html` selected` : ""}>${source}</option>`,
)}</select></label>
<label>branch <input name="branch" type="search" value="${filter.branch ?? ""}" placeholder="main"></label>
<button type="submit">Filter</button>${isFiltered(filter) ? html` <a href="?">clear</a>` : ""}
</form>`;
