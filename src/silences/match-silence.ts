import { matchRoute, parseRoutes, RouteError, type RouteRule } from "../routing/routes.ts";
import type { Silence, SilenceMatch } from "./silence-record.ts";

/**
 * Whether a silence applies to a stream at a time (docs/architecture.md, "Silences"). Pure. The globs are
 * ROUTES' own (`site` and `source` without regard to case, `*` stops at `/`, `**` does not), parsed and
 * matched by src/routing/routes.ts; `stream` is compared exactly.
 */
export interface SilenceTarget {
  readonly site: string;
  readonly branch: string | null;
  readonly source: string;
  readonly stream: string;
}

/** A silence's conditions as a ROUTES rule, or the problem that makes them unusable. */
export const silenceRule = (match: SilenceMatch): RouteRule | string => {
  const tokens = [
    match.site === null ? null : `site:${match.site}`,
    match.branch === null ? null : `branch:${match.branch}`,
    match.source === null ? null : `source:${match.source}`,
  ].filter((token): token is string => token !== null);
  if (tokens.length === 0 && match.stream === null && !match.sites?.length)
    return "a silence must name a site, branch, source, sites or stream";
  if (tokens.some((token) => /\s|;|->/.test(token))) return "a glob cannot hold spaces, ; or ->";
  try {
    const [rule] = parseRoutes(`${tokens.length === 0 ? "*" : tokens.join(" ")} -> none`, {
      names: new Set(),
      channels: false,
    });
    return rule ?? "nothing to match";
  } catch (error) {
    if (error instanceof RouteError) return error.message.slice(error.message.indexOf("): ") + 3);
    throw error;
  }
};

/** Not expired: "until green" until the recovery deletes it, otherwise until `until`. */
export const isActive = (silence: Silence, now: number): boolean =>
  silence.untilGreen || (silence.until !== null && now < silence.until);

export const silenceMatches = (silence: Silence, target: SilenceTarget, now: number): boolean => {
  if (!isActive(silence, now)) return false;
  // A Mute from Slack names its stream: that alone decides (its site and branch are there to be shown).
  if (silence.match.stream !== null) return silence.match.stream === target.stream;
  const { sites } = silence.match;
  if (sites && sites.length > 0 && !sites.some((site) => site.toLowerCase() === target.site.toLowerCase())) {
    return false;
  }
  const rule = silenceRule(silence.match);
  if (typeof rule === "string") return false;
  return matchRoute([rule], { ...target, workflow: "" }).rule !== null;
};

/** The active silence that applies to the stream (the one that lasts longest), or null: post as usual. */
export const matchSilence = (
  silences: readonly Silence[],
  target: SilenceTarget,
  now: number,
): Silence | null => {
  const matching = silences.filter((silence) => silenceMatches(silence, target, now));
  const end = (silence: Silence) => (silence.untilGreen ? Number.POSITIVE_INFINITY : (silence.until ?? 0));
  return matching.sort((a, b) => end(b) - end(a))[0] ?? null;
};

/**
 * The silences a sweep at `now` finds ended (expired), and those a recovery of `target` ends ("until
 * green" on that stream). For each, the pipeline announces an episode still open that no other silence
 * covers, then deletes the record.
 */
export const expiredSilences = (silences: readonly Silence[], now: number): Silence[] =>
  silences.filter((silence) => !isActive(silence, now));

export const silencesEndedByRecovery = (
  silences: readonly Silence[],
  target: SilenceTarget,
  now: number,
): Silence[] => silences.filter((silence) => silence.untilGreen && silenceMatches(silence, target, now));
