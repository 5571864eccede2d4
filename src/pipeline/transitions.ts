import type { Episode } from "./episodes.ts";

/**
 * A stream's openings and closings, numbered, the newest last: the board's history counts each once
 * (src/pipeline/sweep/scan.ts), so an episode that opens and closes between two sweeps still counts.
 */
/** An episode opening or closing, as the board's history counts it. */
export interface Transition {
  /** Counts the stream's transitions: the sweep's scan counts each once, by its number. */
  readonly seq: number;
  readonly kind: "open" | "close";
  readonly episodeId: string;
  /** When the run that caused it finished (epoch ms). */
  readonly at: number;
  readonly openedAt: number;
  readonly site: string;
  readonly source: string;
  readonly branch: string;
  readonly workflow: string;
  readonly logsUrl: string;
  /** A closing by a run of the same commit as the failure that opened it. */
  readonly sameCommit?: boolean | undefined;
}

export const TRANSITIONS = 8;

export const msOf = (iso: string, fallback: number): number => {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : fallback;
};

export const transition = (
  kind: Transition["kind"],
  episode: Episode,
  at: number,
  sameCommit?: boolean,
): Omit<Transition, "seq"> => ({
  kind,
  episodeId: episode.id,
  at,
  openedAt: msOf(episode.openedAt, episode.receivedAt),
  site: episode.first.site,
  source: episode.first.source,
  branch: episode.first.branch ?? "",
  workflow: episode.first.workflow,
  logsUrl: episode.first.logsUrl,
  ...(sameCommit ? { sameCommit } : {}),
});

export const withTransition = (
  state: { readonly transitions?: readonly Transition[] },
  next: Omit<Transition, "seq">,
): readonly Transition[] => {
  const seq = (state.transitions?.at(-1)?.seq ?? 0) + 1;
  return [...(state.transitions ?? []), { ...next, seq }].slice(-TRANSITIONS);
};
