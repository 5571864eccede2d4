import { utcMinute } from "../text/utc-minute.ts";
import { type Html, html } from "./html.ts";

/** The board's small formatters: durations, times, links, and the order sites are listed in. */

/** "40 s", "12 min", "3 h 12 min", "2 days 4 h": an age or a time broken, to the minute. */
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

const oneDecimal = (n: number): string => (n >= 10 ? String(Math.round(n)) : String(Math.round(n * 10) / 10));

/**
 * A short label in the unit that fits, for chart bars: "40 s", "12 min", "3.5 h", "2.1 days" (never
 * "0 h" for minutes).
 */
export const shortDuration = (ms: number): string => {
  const s = Math.max(0, ms / 1000);
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${oneDecimal(s / 3600)} h`;
  return `${oneDecimal(s / 86_400)} days`;
};

const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
/** Natural order: site-2 before site-10, case aside. */
export const naturalCompare = (a: string, b: string): number =>
  collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);

export const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

/** An ISO time as `YYYY-MM-DD HH:MM UTC` in a `<time>` element. */
export const time = (iso: string): Html => {
  const ms = Date.parse(iso);
  const text = Number.isFinite(ms) ? utcMinute(ms) : iso;
  return html`<time datetime="${iso}">${text}</time>`;
};

/** "3 h 12 min" and, below it, the time itself. */
export const since = (iso: string, now: number): Html => {
  const ms = Date.parse(iso);
  return Number.isFinite(ms)
    ? html`${duration(now - ms)}<br><span class="muted">${time(iso)}</span>`
    : html`${iso}`;
};

/** An http(s) URL as a link; anything else (javascript:, data:) as plain text. */
export const link = (url: string | null, text: string): Html => {
  if (url === null) return html`${text}`;
  try {
    const { protocol } = new URL(url);
    if (protocol === "https:" || protocol === "http:") return html`<a href="${url}">${text}</a>`;
  } catch {}
  return html`${text}`;
};
