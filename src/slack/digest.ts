/**
 * Storm digests: one message naming many sites, grouped by what failed, and the split of a big
 * storm into several such messages.
 */

import type { RunEvent } from "../event.ts";
import {
  bounded,
  collapseSpaces,
  ERROR_HEADING_MAX,
  FALLBACK_MAX,
  HEADER_MAX,
  MAX_BLOCKS,
  mrkdwn,
  outcomeWords,
  plain,
  plural,
  SECTION_TEXT_MAX,
  SITE_MAX,
  VALUE_MAX,
} from "./blocks.ts";
import { escapeTruncated, link, truncate } from "./escape.ts";
import { excerptBlock, firstExcerpt, firstFailedLabel } from "./failed-at.ts";
import type { Block, SlackMessage } from "./message.ts";

/**
 * Slack refuses messages whose blocks add up to more than about 12 000 characters
 * (`msg_blocks_too_long`, https://github.com/slackapi/bolt-js/issues/2509), well below the documented
 * 50 blocks × 3000. A big storm is therefore split into several digests, each naming its sites,
 * rather than cut: every site is named somewhere.
 */
export const DIGEST_MAX_CHARS = 12_000;
export const DIGEST_SITES_PER_MESSAGE = 40;

/**
 * What a failure is grouped by: its first failed job and step and that job's error signature (the same
 * error on 58 sites is one group, src/why/signature.ts), or without that detail its workflow and error.
 */
const causeOf = (event: RunEvent): string => {
  const first = event.failedAt?.jobs[0];
  if (first) return `at\u0000${collapseSpaces(firstFailedLabel(event) ?? "")}\u0000${first.signature ?? ""}`;
  return `${event.workflow}\u0000${event.detail ?? event.outcome}`;
};

/**
 * Items sorted so that groups stay together across messages: the largest cause first (as each digest
 * lists its groups), then by cause and site.
 */
export const digestChunks = <T extends DigestLine>(items: readonly T[]): T[][] => {
  const sizes = new Map<string, number>();
  for (const { event } of items) sizes.set(causeOf(event), (sizes.get(causeOf(event)) ?? 0) + 1);
  const order = (item: T) => `${causeOf(item.event)}\n${item.event.site}`;
  const sorted = [...items].sort(
    (a, b) =>
      (sizes.get(causeOf(b.event)) ?? 0) - (sizes.get(causeOf(a.event)) ?? 0) ||
      (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0),
  );
  const chunks: T[][] = [];
  for (let i = 0; i < sorted.length; i += DIGEST_SITES_PER_MESSAGE) {
    chunks.push(sorted.slice(i, i + DIGEST_SITES_PER_MESSAGE));
  }
  return chunks;
};

/** One site of a digest (not the stored DigestItem of src/pipeline/storms.ts, which carries one). */
export interface DigestLine {
  readonly event: RunEvent;
}

export interface DigestOptions {
  /**
   * Total characters of block text allowed, beyond the per-block limits. Unbounded by default (the digest
   * is only bounded by 50 blocks × 3000 characters). Slack's Web API rejects messages whose blocks add up
   * to roughly 12–13k characters with `msg_blocks_too_long` (https://github.com/slackapi/bolt-js/issues/2509,
   * https://github.com/slackapi/bolt-js/issues/2867); whether incoming webhooks enforce it is undocumented.
   */
  readonly maxChars?: number | undefined;
  /**
   * When a storm is split over several messages (to stay under `maxChars`): this message's place and
   * the storm's size, so the header says "60 sites failed … (1/2)" rather than the count of this part.
   */
  readonly part?: { readonly index: number; readonly count: number; readonly totalSites: number } | undefined;
}

interface DigestGroup {
  /** "*Workflow*", mrkdwn; null for a group named by what failed. */
  readonly pipeline: string | null;
  /** What failed (`Deploy › Upload to host`), mrkdwn-escaped; null without that detail. */
  readonly failedAt: string | null;
  /** The error shared by the group (for a failedAt group, only when every site has the same); escaped. */
  readonly error: string | null;
  /** One log excerpt for the group (its first site's), when the sites have one; raw lines. */
  readonly excerpt: readonly string[] | null;
  readonly entries: string[];
}

/** A group's excerpt in a digest, fences included: one per group, while the digest has room. */
const DIGEST_EXCERPT_MAX = 700;

/**
 * "12 sites failed at *Deploy › Upload to host*", or without that detail "*Build and deploy* · 12 sites ·
 * failed": the count before the error, so it never reads as part of it.
 */
const groupHeading = (group: DigestGroup, continued: boolean): string => {
  const sites = `${plural(group.entries.length, "site")}${continued ? " (continued)" : ""}`;
  if (group.failedAt !== null) {
    return `${sites} failed at *${group.failedAt}*${group.error === null ? "" : ` · ${group.error}`}`;
  }
  return [group.pipeline, sites, group.error].filter((part) => part !== null).join(" · ");
};

/**
 * Failures are grouped by what failed and why (the first failed job and step, and its error signature: a
 * theme update that broke every build on one template error reads apart from a hosting outage that broke
 * every upload), and without that detail by pipeline and error (Netlify's first line of detail, else the
 * outcome). Recoveries by pipeline. Each failure group carries one excerpt, its first site's.
 */
const digestGroups = (items: readonly DigestLine[], kind: "failure" | "recovery"): DigestGroup[] => {
  const byKey = new Map<
    string,
    Omit<DigestGroup, "entries" | "excerpt"> & { events: RunEvent[]; errors: Set<string | null> }
  >();
  for (const { event } of items) {
    const pipeline = collapseSpaces(event.workflow);
    const at = kind === "failure" ? firstFailedLabel(event) : null;
    // Netlify's "Failed during stage 'building site': " prefix would repeat in every group heading.
    const firstLine =
      event.detail?.split(/\r?\n/, 1)[0]?.replace(/^failed during stage '[^']*':\s*/i, "") ?? "";
    const error = collapseSpaces(firstLine) || outcomeWords(event.outcome);
    // A failure's cause: where it failed and its error's signature (causeOf).
    const key = at !== null ? causeOf(event) : kind === "failure" ? `${pipeline}\u0000${error}` : pipeline;
    const group = byKey.get(key) ?? {
      pipeline: at === null ? `*${escapeTruncated(pipeline, VALUE_MAX)}*` : null,
      failedAt: at === null ? null : escapeTruncated(collapseSpaces(at), ERROR_HEADING_MAX),
      error: kind === "failure" && at === null ? escapeTruncated(error, ERROR_HEADING_MAX) : null,
      events: [],
      errors: new Set(),
    };
    group.events.push(event);
    group.errors.add(event.failedAt?.jobs[0]?.error ?? null);
    byKey.set(key, group);
  }
  return [...byKey.values()]
    .sort((a, b) => {
      const order = (g: typeof a) => `${g.failedAt ?? ""}\u0000${g.pipeline ?? ""}\u0000${g.error ?? ""}`;
      return b.events.length - a.events.length || (order(a) < order(b) ? -1 : 1);
    })
    .map(({ pipeline, failedAt, error, events, errors }) => {
      const counts = new Map<string, number>();
      for (const e of events) counts.set(e.site, (counts.get(e.site) ?? 0) + 1);
      const bySite = [...events].sort((a, b) => (a.site === b.site ? 0 : a.site < b.site ? -1 : 1));
      const excerpt =
        kind === "failure"
          ? (bySite.map((e) => firstExcerpt(e)?.excerpt).find((lines) => lines && lines.length > 0) ?? null)
          : null;
      const entries = bySite.map((e) => {
        // The same site twice in a group (two branches or contexts): say which is which.
        const which =
          (counts.get(e.site) ?? 0) > 1 ? ` (${collapseSpaces(e.branch ?? e.context ?? "")})` : "";
        return link(bounded(e.logsUrl), `${collapseSpaces(e.site)}${which}`, SITE_MAX);
      });
      // Sites that failed at the same step with the same error (Netlify's "exit code 2") say it once.
      const [shared] = errors;
      const same =
        failedAt !== null && errors.size === 1 && shared ? escapeTruncated(shared, ERROR_HEADING_MAX) : null;
      return { pipeline, failedAt, error: failedAt === null ? error : same, excerpt, entries };
    });
};

/** Groups of one site that failed at the same step, as one group of that step without error or excerpt. */
const mergeSingles = (groups: readonly DigestGroup[]): DigestGroup[] => {
  const merged = new Map<string, DigestGroup>();
  const kept: DigestGroup[] = [];
  for (const group of groups) {
    if (group.failedAt === null || group.entries.length > 1) {
      kept.push(group);
      continue;
    }
    const into = merged.get(group.failedAt);
    if (into) into.entries.push(...group.entries);
    else {
      const fresh = { ...group, error: null, excerpt: null, entries: [...group.entries] };
      merged.set(group.failedAt, fresh);
      kept.push(fresh);
    }
  }
  return kept.sort((a, b) => b.entries.length - a.entries.length);
};

/**
 * One message for a storm: every site named and linked to its logs, grouped by what failed, packed
 * many per section. Only what does not fit in 50 blocks of 3000 characters (or `maxChars`) is cut, with
 * "…and N more".
 */
export const formatDigest = (
  items: readonly DigestLine[],
  kind: "failure" | "recovery",
  options: DigestOptions = {},
): SlackMessage => {
  const { part } = options;
  const sites = part?.totalSites ?? new Set(items.map(({ event }) => event.site)).size;
  const suffix = part && part.count > 1 ? ` (${part.index + 1}/${part.count})` : "";
  const title =
    kind === "failure"
      ? `🚨 ${plural(sites, "site")} failed at once${suffix}`
      : `✅ ${plural(sites, "site")} recovered${suffix}`;
  const intro = mrkdwn(
    kind === "failure"
      ? `${plural(items.length, "new failure")} within a short time, grouped by what failed. Each link opens the logs.`
      : `${plural(items.length, "site")} of the storm passing again, grouped by workflow. Each link opens the run.`,
  );
  // Header, intro and the closing "…and N more" are always room for.
  const sectionBudget = MAX_BLOCKS - 3;
  let charBudget = (options.maxChars ?? Number.POSITIVE_INFINITY) - title.length - intro.text.length - 40;

  const sizeOf = (list: readonly DigestGroup[]) =>
    list.reduce(
      (sum, group) =>
        sum + groupHeading(group, false).length + group.entries.reduce((n, entry) => n + entry.length + 2, 4),
      0,
    );
  let groups = digestGroups(items, kind);
  // Every site's name comes first: many different errors at one step, each its own group with its error in
  // its heading, would push sites out; they are then listed together under the step.
  if (sizeOf(groups) > charBudget) groups = mergeSingles(groups);
  // A group's excerpt is shown only with what is left (largest groups first).
  let excerptBudget = charBudget - sizeOf(groups);
  const excerpts = new Map<DigestGroup, string>();
  for (const group of groups) {
    if (group.excerpt === null) continue;
    const block = excerptBlock(group.excerpt, DIGEST_EXCERPT_MAX);
    if (block.length + 1 > excerptBudget) continue;
    excerpts.set(group, `\n${block}`);
    excerptBudget -= block.length + 1;
  }
  const headingOf = (group: DigestGroup, index: number): string =>
    `${groupHeading(group, index > 0)}${index === 0 ? (excerpts.get(group) ?? "") : ""}`;

  const sections: string[] = [];
  let current = "";
  let currentGroup: DigestGroup | null = null;
  let listed = 0;
  fill: for (const group of groups) {
    // A group that fits in one section is not split over two ("3 sites", then "3 sites (continued)"):
    // it starts the next section instead.
    const whole = `${headingOf(group, 0)}\n${group.entries.join(", ")}`;
    if (
      current !== "" &&
      current.length + 2 + whole.length > SECTION_TEXT_MAX &&
      whole.length <= SECTION_TEXT_MAX
    ) {
      sections.push(current);
      current = "";
    }
    for (const [index, entry] of group.entries.entries()) {
      const piece =
        currentGroup === group
          ? `, ${entry}`
          : `${current === "" ? "" : "\n\n"}${headingOf(group, index)}\n${entry}`;
      let added = piece;
      if (current !== "" && current.length + piece.length <= SECTION_TEXT_MAX && piece.length <= charBudget) {
        current += piece;
      } else {
        added = `${headingOf(group, index)}\n${entry}`;
        if (current !== "") sections.push(current);
        current = "";
        if (sections.length >= sectionBudget || added.length > charBudget) break fill;
        current = added;
      }
      charBudget -= added.length;
      currentGroup = group;
      listed += 1;
    }
  }
  if (current !== "") sections.push(current);

  const rest = items.length - listed;
  const blocks: Block[] = [
    { type: "header", text: plain(truncate(title, HEADER_MAX)) },
    { type: "context", elements: [intro] },
    ...sections.map((text): Block => ({ type: "section", text: mrkdwn(text) })),
  ];
  if (rest > 0) blocks.push({ type: "context", elements: [mrkdwn(`…and ${rest} more`)] });

  const names: string[] = [];
  let length = title.length;
  for (const { event } of items) {
    const name = collapseSpaces(event.site);
    if (length + name.length + 2 > FALLBACK_MAX - 30) break;
    names.push(name);
    length += name.length + 2;
  }
  const more = items.length - names.length;
  const fallback = `${title}: ${names.join(", ")}${more > 0 ? `, …and ${more} more` : ""}`;
  return { text: escapeTruncated(fallback, FALLBACK_MAX), blocks, unfurl_links: false, unfurl_media: false };
};
