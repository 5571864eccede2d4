import { shortDuration } from "./board-format.ts";
import { type Html, html } from "./html.ts";
import type { StatusReport } from "./read-status.ts";

/**
 * The board's two charts as inline SVG (no script, no external file): episodes opened per day, and broken
 * time per site. Each is an image for assistive technology (`role="img"`, a `<title>` and an
 * `aria-label`), each bar has its own `<title>` (a tooltip), and the caller adds a data table with the
 * same figures (render-sections.ts). Durations are in the unit that fits (shortDuration).
 */
const WIDTH = 640;

const cut = (text: string, max: number): string =>
  Array.from(text).length <= max
    ? text
    : `${Array.from(text)
        .slice(0, max - 1)
        .join("")}…`;

export const failuresChart = (days: StatusReport["history"]["days"]): Html => {
  const height = 160;
  const top = 16;
  const bottom = 24;
  const max = Math.max(1, ...days.map((day) => day.opened));
  const total = days.reduce((sum, day) => sum + day.opened, 0);
  const step = WIDTH / Math.max(1, days.length);
  const label = `Episodes opened per day over the last ${days.length} days: ${total} in all, at most ${max} in one day.`;
  const bars = days.map((day, i) => {
    const h = Math.round(((height - top - bottom) * day.opened) / max);
    const x = Math.round(i * step + step * 0.15);
    const y = height - bottom - h;
    return html`<rect class="bar" x="${x}" y="${y}" width="${Math.max(1, Math.round(step * 0.7))}" height="${h}"><title>${`${day.day}: ${day.opened} opened, ${day.closed} closed`}</title></rect>`;
  });
  const first = days[0]?.day ?? "";
  const last = days.at(-1)?.day ?? "";
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${label}"><title>${label}</title><text class="axis" x="0" y="12">${max} per day</text><line class="base" x1="0" y1="${height - bottom}" x2="${WIDTH}" y2="${height - bottom}"/>${bars}<text class="axis" x="0" y="${height - 6}">${first}</text><text class="axis" x="${WIDTH}" y="${height - 6}" text-anchor="end">${last}</text></svg>`;
};

export const brokenTimeChart = (sites: StatusReport["history"]["sites"]): Html => {
  const row = 22;
  const labelWidth = 240;
  const height = Math.max(1, sites.length) * row + 4;
  const max = Math.max(1, ...sites.map((site) => site.brokenMs));
  const label = `Broken time per site over the last 30 days, the ${sites.length} worst: ${sites
    .slice(0, 3)
    .map((site) => `${site.site} ${shortDuration(site.brokenMs)}`)
    .join(", ")}${sites.length > 3 ? ", …" : ""}.`;
  const bars = sites.map((site, i) => {
    const y = i * row + 2;
    const w = Math.max(1, Math.round(((WIDTH - labelWidth - 70) * site.brokenMs) / max));
    return html`<g><title>${`${site.site}: broken ${shortDuration(site.brokenMs)}`}</title><text class="label" x="${labelWidth - 6}" y="${y + 15}" text-anchor="end">${cut(site.site, 34)}</text><rect class="bar broken" x="${labelWidth}" y="${y + 3}" width="${w}" height="${row - 6}"/><text class="axis" x="${labelWidth + w + 4}" y="${y + 15}">${shortDuration(site.brokenMs)}</text></g>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${label}"><title>${label}</title>${bars}</svg>`;
};
