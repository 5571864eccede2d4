import { isActive, type SilenceTarget, silenceMatches } from "./match-silence.ts";
import type { Silence } from "./silence-record.ts";

/**
 * What the sweep does when silences end (docs/architecture.md, "Silences"): an episode still open that an
 * ended silence covered, and that no silence still in force covers, is announced now; the ended silences
 * are then deleted. Pure: the sweep reads the silences and the open episodes, and does the writes.
 * ("Until green" silences end with the recovery instead: silencesEndedByRecovery.)
 */
export interface OpenTarget extends SilenceTarget {
  readonly episodeId: string;
}

export interface SilenceEndings<T extends OpenTarget> {
  /** Open episodes to announce now (their failure message, as when they opened). */
  readonly announce: readonly T[];
  /** Ids of the ended silences, to delete once the announcements are queued. */
  readonly remove: readonly string[];
}

export const silenceEndings = <T extends OpenTarget>(
  silences: readonly Silence[],
  open: readonly T[],
  now: number,
): SilenceEndings<T> => {
  const ended = silences.filter((silence) => !isActive(silence, now));
  const active = silences.filter((silence) => isActive(silence, now));
  // An ended silence matched while it was in force: check it just before it ended.
  const coveredByEnded = (target: T) =>
    ended.some((silence) => silence.until !== null && silenceMatches(silence, target, silence.until - 1));
  const coveredNow = (target: T) => active.some((silence) => silenceMatches(silence, target, now));
  return {
    announce: open.filter((target) => coveredByEnded(target) && !coveredNow(target)),
    remove: ended.map((silence) => silence.id),
  };
};
