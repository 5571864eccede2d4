import { escapeHtml } from "./escape-html.ts";
import type { StatusReport } from "./read-status.ts";

/**
 * The board's two charts as inline SVG (no script, no external file): episodes opened per day, and broken
 * time per site. Each is an image for assistive technology (`role="img"`, a `<title>` and an
 * `aria-label`), each bar has its own `<title>` (a tooltip), and the caller adds a data table with the
 * same figures (render-status.ts).
 */
const WIDTH = 640;

export const hours = (ms: number): string => {
  const h = ms / 3_600_000;
  return h >= 10 ? `${Math.round(h)} h` : `${Math.round(h * 10) / 10} h`;
};

const cut = (text: string, max: number): string =>
  Array.from(text).length <= max
    ? text
    : `${Array.from(text)
        .slice(0, max - 1)
        .join("")}…`;

export const failuresChart = (days: StatusReport["history"]["days"]): string => {
  const height = 160;
  const top = 16;
  const bottom = 24;
  const max = Math.max(1, ...days.map((day) => day.opened));
  const total = days.reduce((sum, day) => sum + day.opened, 0);
  const step = WIDTH / Math.max(1, days.length);
  const label = `Episodes opened per day over the last ${days.length} days: ${total} in all, at most ${max} in one day.`;
  const bars = days
    .map((day, i) => {
      const h = Math.round(((height - top - bottom) * day.opened) / max);
      const x = Math.round(i * step + step * 0.15);
      const y = height - bottom - h;
      return `<rect class="bar" x="${x}" y="${y}" width="${Math.max(1, Math.round(step * 0.7))}" height="${h}"><title>${escapeHtml(`${day.day}: ${day.opened} opened, ${day.closed} closed`)}</title></rect>`;
    })
    .join("");
  const first = days[0]?.day ?? "";
  const last = days.at(-1)?.day ?? "";
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeHtml(label)}"><title>${escapeHtml(label)}</title><text class="axis" x="0" y="12">${max} per day</text><line class="base" x1="0" y1="${height - bottom}" x2="${WIDTH}" y2="${height - bottom}"/>${bars}<text class="axis" x="0" y="${height - 6}">${escapeHtml(first)}</text><text class="axis" x="${WIDTH}" y="${height - 6}" text-anchor="end">${escapeHtml(last)}</text></svg>`;
};

export const brokenTimeChart = (sites: StatusReport["history"]["sites"]): string => {
  const row = 22;
  const labelWidth = 240;
  const height = Math.max(1, sites.length) * row + 4;
  const max = Math.max(1, ...sites.map((site) => site.brokenMs));
  const label = `Broken time per site over the last 30 days, the ${sites.length} worst: ${sites
    .slice(0, 3)
    .map((site) => `${site.site} ${hours(site.brokenMs)}`)
    .join(", ")}${sites.length > 3 ? ", …" : ""}.`;
  const bars = sites
    .map((site, i) => {
      const y = i * row + 2;
      const w = Math.max(1, Math.round(((WIDTH - labelWidth - 60) * site.brokenMs) / max));
      return `<g><title>${escapeHtml(`${site.site}: broken ${hours(site.brokenMs)}`)}</title><text class="label" x="${labelWidth - 6}" y="${y + 15}" text-anchor="end">${escapeHtml(cut(site.site, 34))}</text><rect class="bar broken" x="${labelWidth}" y="${y + 3}" width="${w}" height="${row - 6}"/><text class="axis" x="${labelWidth + w + 4}" y="${y + 15}">${escapeHtml(hours(site.brokenMs))}</text></g>`;
    })
    .join("");
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeHtml(label)}"><title>${escapeHtml(label)}</title>${bars}</svg>`;
};
