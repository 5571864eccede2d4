import { naturalCompare } from "./board-format.ts";
import type { OpenEpisode, StatusReport } from "./read-status.ts";

/**
 * How the board folds what many sites share (docs/architecture.md, "The board"): open episodes that
 * failed the same way are one group, and the recoveries of one storm (many sites green within a minute)
 * are one row, each expandable. Pure: the board renders what these return.
 */

/** At least this many alike make a group (fewer are listed one by one). */
export const GROUP_MIN = 3;
/** Recoveries this close to the first of a run of them belong to the same storm. */
export const STORM_FOLD_MS = 60_000;

type RecoveryRow = StatusReport["recoveries"][number];

/** What failed, in a few words: the first failed job, its step and error; else the outcome and detail. */
export const whatFailedLabel = (episode: OpenEpisode): string => {
  const [job] = episode.failed.jobs;
  if (job === undefined) return [episode.failed.outcome, episode.failed.detail].filter(Boolean).join(": ");
  const where = [job.stage, job.name, job.step].filter((part) => part !== null && part !== "").join(" › ");
  return job.error ? `${where}: ${job.error}` : where;
};

/**
 * Episodes fail "the same way" when they share their signature, when the store has one, or else what
 * failed with the site's own name and every number taken out (a theme update breaks a hundred sites with
 * one error that names each of them).
 */
export const failureKey = (episode: OpenEpisode): string => {
  if (episode.signature) return `signature:${episode.signature}`;
  const label = whatFailedLabel(episode).toLowerCase();
  const site = episode.site.toLowerCase();
  const short = site.slice(site.lastIndexOf("/") + 1);
  return `${episode.source}:${label.replaceAll(site, "<site>").replaceAll(short, "<site>").replace(/\d+/g, "#")}`;
};

export type EpisodeRow =
  | { readonly kind: "one"; readonly episode: OpenEpisode }
  | { readonly kind: "group"; readonly label: string; readonly episodes: readonly OpenEpisode[] };

/** Groups first (the largest first), then the rest; sites in natural order inside each. */
export const groupEpisodes = (episodes: readonly OpenEpisode[]): EpisodeRow[] => {
  const bySite = [...episodes].sort(
    (a, b) => naturalCompare(a.site, b.site) || naturalCompare(a.stream, b.stream),
  );
  const byKey = new Map<string, OpenEpisode[]>();
  for (const episode of bySite) {
    const key = failureKey(episode);
    byKey.set(key, [...(byKey.get(key) ?? []), episode]);
  }
  const groups: EpisodeRow[] = [...byKey.values()]
    .filter((list) => list.length >= GROUP_MIN)
    .sort((a, b) => b.length - a.length)
    .flatMap((list): EpisodeRow[] => {
      const [first] = list;
      return first === undefined ? [] : [{ kind: "group", label: whatFailedLabel(first), episodes: list }];
    });
  const grouped = new Set(groups.flatMap((row) => (row.kind === "group" ? row.episodes : [])));
  return [
    ...groups,
    ...bySite
      .filter((episode) => !grouped.has(episode))
      .map((episode): EpisodeRow => ({ kind: "one", episode })),
  ];
};

export type RecoveryGroup =
  | { readonly kind: "one"; readonly recovery: RecoveryRow }
  | { readonly kind: "storm"; readonly at: string; readonly recoveries: readonly RecoveryRow[] };

/**
 * Recoveries newest first, where a run of at least GROUP_MIN within STORM_FOLD_MS of its newest is one
 * storm row (its sites in natural order).
 */
export const foldRecoveries = (recoveries: readonly RecoveryRow[]): RecoveryGroup[] => {
  const newestFirst = [...recoveries].sort((a, b) => Date.parse(b.closedAt) - Date.parse(a.closedAt));
  const rows: RecoveryGroup[] = [];
  let i = 0;
  while (i < newestFirst.length) {
    const first = newestFirst[i];
    if (first === undefined) break;
    const start = Date.parse(first.closedAt);
    let j = i + 1;
    while (j < newestFirst.length && start - Date.parse(newestFirst[j]?.closedAt ?? "") <= STORM_FOLD_MS) j++;
    const run = newestFirst.slice(i, j);
    if (run.length >= GROUP_MIN) {
      rows.push({
        kind: "storm",
        at: first.closedAt,
        recoveries: run.sort((a, b) => naturalCompare(a.site, b.site)),
      });
      i = j;
    } else {
      rows.push({ kind: "one", recovery: first });
      i++;
    }
  }
  return rows;
};
