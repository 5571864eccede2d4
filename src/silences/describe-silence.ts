import { utcMinute } from "../text/utc-minute.ts";
import type { Silence } from "./silence-record.ts";

/** A silence in one line of words, for `npm run silence -- list`, the status route and the board. */
export const silenceConditions = (silence: Silence): string => {
  const { site, branch, source, stream } = silence.match;
  const parts = [
    site === null ? null : `site:${site}`,
    branch === null ? null : `branch:${branch}`,
    source === null ? null : `source:${source}`,
  ].filter((part): part is string => part !== null);
  const sites = silence.match.sites ?? [];
  if (sites.length > 0) {
    const named = sites.slice(0, 3).join(", ");
    parts.unshift(
      `${sites.length} site${sites.length === 1 ? "" : "s"}: ${named}${sites.length > 3 ? ", …" : ""}`,
    );
  }
  if (parts.length === 0 && stream !== null) parts.push(`stream ${stream}`);
  return parts.join(" ");
};

export const silenceEnd = (silence: Silence, now: number): string => {
  if (silence.untilGreen) return "until it passes";
  if (silence.until === null) return "ended";
  if (silence.until <= now) return `ended ${utcMinute(silence.until)}`;
  return `until ${utcMinute(silence.until)}`;
};
