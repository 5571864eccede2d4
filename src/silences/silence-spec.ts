import { oneLine } from "../text/one-line.ts";
import { silenceRule } from "./match-silence.ts";
import type { SilenceMatch } from "./silence-record.ts";

/**
 * A new silence as an operator asks for it (`npm run silence -- add …`, `POST /status/silences`),
 * checked: conditions that ROUTES would accept, a duration (`30m`, `4h`, `2d`) or "until green", a reason
 * on one line. Pure; the one validator both ways of adding a silence go through.
 */
export interface SilenceRequest {
  /** `site:GLOB`, `branch:GLOB`, `source:NAME` tokens. */
  readonly conditions: readonly string[];
  /** `4h`…; exclusive with untilGreen. */
  readonly for?: string | undefined;
  readonly untilGreen?: boolean | undefined;
  readonly reason?: string | undefined;
}

export interface SilenceSpec {
  readonly match: SilenceMatch;
  readonly until: number | null;
  readonly untilGreen: boolean;
  readonly reason: string | null;
}

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
/** At most 30 days: a silence forgotten for longer is a muted site nobody remembers. */
export const MAX_SILENCE_MS = 30 * 86_400_000;

/** `30m`, `4h`, `2d` → milliseconds, or null. */
export const parseDuration = (text: string): number | null => {
  const match = /^(\d{1,5})([mhd])$/.exec(text.trim().toLowerCase());
  if (!match) return null;
  const ms = Number(match[1]) * (UNIT_MS[match[2] ?? ""] ?? 0);
  return ms > 0 && ms <= MAX_SILENCE_MS ? ms : null;
};

export const silenceSpec = (request: SilenceRequest, now: number): SilenceSpec | string => {
  const match: { site: string | null; branch: string | null; source: string | null; stream: null } = {
    site: null,
    branch: null,
    source: null,
    stream: null,
  };
  for (const token of request.conditions) {
    const colon = token.indexOf(":");
    const field = colon === -1 ? "" : token.slice(0, colon).toLowerCase();
    if (field !== "site" && field !== "branch" && field !== "source") {
      return `"${oneLine(token, 60)}" is not site:GLOB, branch:GLOB or source:NAME`;
    }
    if (match[field] !== null) return `${field}: given twice`;
    match[field] = token.slice(colon + 1).trim();
  }
  if (match.site === null) return "a silence needs site:GLOB (site:* for every site)";
  const rule = silenceRule(match);
  if (typeof rule === "string") return rule;
  const untilGreen = request.untilGreen === true;
  if (untilGreen === (request.for !== undefined))
    return "give exactly one of --for DURATION or --until-green";
  let until: number | null = null;
  if (request.for !== undefined) {
    const ms = parseDuration(request.for);
    if (ms === null)
      return `"${oneLine(request.for, 20)}" is not a duration like 30m, 4h or 2d (at most 30d)`;
    until = now + ms;
  }
  const reason =
    request.reason === undefined || request.reason.trim() === "" ? null : oneLine(request.reason);
  return { match, until, untilGreen, reason };
};
