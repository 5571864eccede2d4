import type { FailedAt } from "../event.ts";
import { escapeHtml as e } from "./escape-html.ts";
import type { OpenEpisode } from "./read-status.ts";

/**
 * Why it failed, on the board (docs/architecture.md, "Why it failed"): each open episode's log excerpt,
 * collapsed by default, and the open episodes that share an error signature, grouped with their count.
 * Every line is payload text and goes through escapeHtml; nothing here makes a link.
 */

type Job = FailedAt["jobs"][number];

const labelOf = (job: Job): string =>
  [job.stage, job.name, job.step].filter((part) => part !== null && part !== "").join(" › ");

/** The first job's excerpt as a collapsed `<details>`, or "" when no job has one. */
export const renderExcerpt = (jobs: readonly Job[]): string => {
  const job = jobs.find((candidate) => (candidate.excerpt?.length ?? 0) > 0);
  if (!job?.excerpt) return "";
  return `<details class="why"><summary>Why it failed</summary><pre>${job.excerpt.map(e).join("\n")}</pre></details>`;
};

export interface SignatureGroup {
  readonly signature: string;
  /** Where it failed, as the first episode of the group names it. */
  readonly label: string;
  /** The key error line, as the first episode of the group has it (its short error). */
  readonly error: string | null;
  readonly sites: readonly string[];
}

/** Open episodes sharing a signature, the largest group first; only groups of two or more. */
export const signatureGroups = (episodes: readonly OpenEpisode[]): SignatureGroup[] => {
  const groups = new Map<string, { label: string; error: string | null; sites: string[] }>();
  for (const episode of episodes) {
    const job = episode.failed.jobs[0];
    const signature = job?.signature;
    if (!job || !signature) continue;
    const group = groups.get(signature) ?? { label: labelOf(job), error: job.error, sites: [] };
    group.sites.push(episode.site);
    groups.set(signature, group);
  }
  return [...groups]
    .filter(([, group]) => group.sites.length > 1)
    .map(([signature, group]) => ({ signature, ...group, sites: [...group.sites].sort() }))
    .sort((a, b) => b.sites.length - a.sites.length || a.signature.localeCompare(b.signature));
};

/** The groups as a list above the open episodes ("58 open episodes · Build › Build site · the error"). */
export const renderSignatureGroups = (episodes: readonly OpenEpisode[]): string => {
  const groups = signatureGroups(episodes);
  if (groups.length === 0) return "";
  const items = groups.map(
    (group) =>
      `<li><strong>${group.sites.length} open episodes</strong> · ${e(group.label)}${group.error ? ` · <code>${e(group.error)}</code>` : ""}<br><span class="muted">${group.sites.map(e).join(", ")}</span></li>`,
  );
  return `<h3 id="same-error">Same error</h3>\n<ul class="groups">${items.join("")}</ul>`;
};
