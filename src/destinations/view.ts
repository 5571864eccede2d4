import type { RunEvent } from "../event.ts";
import { shortSha } from "../event.ts";
import { fieldOf } from "../field-of.ts";
import { autoRerunLine } from "../rerun/auto-rerun-note.ts";
import { collapseSpaces, elapsed, formatDuration, outcomeWords, plural } from "../slack/blocks.ts";
import { httpUrl } from "../slack/escape.ts";
import { failedAtLabel, firstFailedLabel } from "../slack/failed-at.ts";
import { cutText } from "../text/one-line.ts";
import { utcMinute } from "../text/utc-minute.ts";
import type { DigestNotice, FailureNotice, Notice, TestNotice } from "./notice.ts";

/**
 * What a notice says, as plain text, for the kinds that are not Slack (Teams, Discord; the JSON document
 * carries the data itself): the same words as the Slack messages (src/slack/run-messages.ts), before any
 * markup. Every string here may come from a payload: each kind escapes it for its own markup.
 */
export type Tone = "failure" | "recovery" | "reminder" | "test";

export interface Fact {
  readonly label: string;
  readonly value: string;
  /** The value links there (http(s) only). */
  readonly url: string | null;
}

export interface FailedJobView {
  readonly label: string;
  readonly url: string | null;
  readonly error: string | null;
  /** Log lines around the error, when the source could fetch them (at most 12, bounded). */
  readonly excerpt: readonly string[];
}

export interface RunView {
  readonly tone: Tone;
  readonly title: string;
  /** The site alone, for kinds that show it apart from the title. */
  readonly site: string;
  readonly summary: string | null;
  readonly facts: readonly Fact[];
  readonly jobs: readonly FailedJobView[];
  readonly links: ReadonlyArray<{ readonly label: string; readonly url: string }>;
  readonly at: string;
}

export interface DigestView {
  readonly tone: Tone;
  readonly title: string;
  readonly intro: string;
  readonly groups: ReadonlyArray<{
    readonly heading: string;
    readonly sites: ReadonlyArray<{ readonly name: string; readonly url: string | null }>;
  }>;
}

const EXCERPT_LINES = 12;
const EXCERPT_LINE_MAX = 200;

/**
 * The excerpt of a failed job: another part of vigie may add `excerpt` (lines of the failed step's log) to
 * failed jobs; read defensively, as lines or as one text, bounded here whatever it holds.
 */
export const excerptOf = (job: object): string[] => {
  const raw = fieldOf(job, "excerpt");
  const lines = Array.isArray(raw)
    ? raw.filter((line): line is string => typeof line === "string")
    : typeof raw === "string"
      ? raw.split(/\r?\n/)
      : [];
  return lines.slice(0, EXCERPT_LINES).map((line) => cutText(line, EXCERPT_LINE_MAX, "utf-16"));
};

/** "2024-05-01 12:00 UTC", or the text as it came when it is not a date. */
export const utc = (iso: string): string => {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : utcMinute(ms);
};

const what = (event: RunEvent): string =>
  event.outcome === "deploy_error"
    ? "Netlify deploy failed"
    : `${collapseSpaces(event.workflow)} ${outcomeWords(event.outcome)}`;

const siteLabel = (event: RunEvent): string =>
  event.source === "github" ? "Repository" : event.source === "gitlab" ? "Project" : "Site";

const fact = (label: string, value: string | null | undefined, url: string | null = null): Fact[] => {
  const text = value ? collapseSpaces(value) : "";
  return text === "" ? [] : [{ label, value: text, url: httpUrl(url) }];
};

const commitFact = (label: string, event: RunEvent): Fact[] => {
  const sha = shortSha(event.commit.sha);
  const first = event.commit.message?.split(/\r?\n/, 1)[0] ?? null;
  return fact(label, [sha, first].filter((part) => part).join(" "), event.commit.url);
};

const runFacts = (event: RunEvent): Fact[] => [
  ...fact(siteLabel(event), event.site, event.siteUrl),
  ...(event.source === "gitlab" && event.tag ? fact("Tag", event.ref) : fact("Branch", event.branch)),
  ...(event.source === "netlify"
    ? fact("Context", event.context)
    : fact(event.source === "github" ? "Workflow" : "Pipeline", event.workflow)),
];

const jobsOf = (event: RunEvent): FailedJobView[] => {
  const jobs = (event.failedAt?.jobs ?? []).map((job) => ({
    label: failedAtLabel(job),
    url: httpUrl(job.url),
    error: job.error,
    excerpt: excerptOf(job),
  }));
  if (jobs.length === 0 && event.detail?.trim()) {
    return [{ label: "Netlify error", url: null, error: event.detail.trim(), excerpt: [] }];
  }
  return jobs;
};

const links = (...candidates: Array<[string, string | null | undefined]>) =>
  candidates.flatMap(([label, url]) => {
    const href = httpUrl(url);
    return href === null ? [] : [{ label, url: href }];
  });

const brokenFor = (openedAt: string, until: number, runs: number): string => {
  const duration = elapsed(openedAt, until);
  return `${duration === null ? "" : `broken for ${formatDuration(duration)}, `}${plural(runs, "failed run")}`;
};

/** The line of a failure that failed again after an automatic re-run, as Slack says it too. */
const failedAgain = (notice: FailureNotice): string | null =>
  notice.autoRerun ? autoRerunLine(notice.autoRerun.rule) : null;

const failureView = (notice: FailureNotice): RunView => {
  const { event } = notice;
  return {
    tone: "failure",
    title: `❌ ${what(event)}: ${collapseSpaces(event.site)}`,
    site: collapseSpaces(event.site),
    summary: failedAgain(notice),
    facts: [
      ...runFacts(event),
      ...commitFact("Commit", event),
      ...fact("Triggered by", event.actor ?? event.commit.author),
      ...(event.source === "github" && event.attempt > 1 ? fact("Attempt", String(event.attempt)) : []),
    ],
    jobs: jobsOf(event),
    links: links([event.source === "netlify" ? "View deploy log" : "View logs", event.logsUrl]),
    at: event.occurredAt,
  };
};

/** A test notice: marked [TEST], not a failure, naming the destination it proves works. */
const testView = (notice: TestNotice): RunView => {
  const destination = collapseSpaces(notice.destination);
  const at = new Date(notice.at).toISOString();
  return {
    tone: "test",
    title: "[TEST] vigie test message",
    site: destination,
    summary: `Not a failure, nothing to do. If you can read this, vigie's destination ${destination} works.`,
    facts: [...fact("Destination", destination), ...fact("Sent by", notice.sentBy)],
    jobs: [],
    links: [],
    at,
  };
};

/** The view of a single-run notice (every notice but a digest), or of a test notice. */
export const runView = (notice: Exclude<Notice, DigestNotice> | TestNotice): RunView => {
  switch (notice.notice) {
    case "test":
      return testView(notice);
    case "failure":
      return failureView(notice);
    case "recovery":
    case "update": {
      const { event, episode } = notice;
      const broken = brokenFor(episode.openedAt, Date.parse(event.occurredAt), episode.failedRuns);
      const { first } = notice;
      return {
        tone: "recovery",
        title: first
          ? `✅ Recovered (was: ${what(first)}): ${collapseSpaces(event.site)}`
          : `✅ Recovered: ${collapseSpaces(event.site)}`,
        site: collapseSpaces(event.site),
        summary: `Passing again${event.branch ? ` on ${collapseSpaces(event.branch)}` : ""}: ${broken}.`,
        facts: [
          ...runFacts(event),
          ...commitFact("Fixed by", event),
          ...fact("Broken since", utc(episode.openedAt)),
        ],
        jobs: [],
        links: links(
          [event.source === "netlify" ? "View deploy log" : "View run", event.logsUrl],
          ["View first failure", episode.firstFailureUrl],
        ),
        at: event.occurredAt,
      };
    }
    case "reminder": {
      const { event, episode } = notice;
      return {
        tone: "reminder",
        title: `⏰ Still failing: ${collapseSpaces(event.site)}`,
        site: collapseSpaces(event.site),
        summary: `Failing${event.branch ? ` on ${collapseSpaces(event.branch)}` : ""}: ${brokenFor(episode.openedAt, notice.at, episode.failedRuns).replace("broken for", "for")} so far.`,
        facts: [
          ...runFacts(event),
          ...commitFact("First failed commit", event),
          ...fact("Failing since", utc(episode.openedAt)),
          ...fact("Last failure", utc(episode.lastFailureAt)),
        ],
        jobs: jobsOf(event),
        links: links(
          ["View latest logs", episode.lastLogsUrl],
          ["View first failure", episode.lastLogsUrl === event.logsUrl ? null : event.logsUrl],
        ),
        at: new Date(notice.at).toISOString(),
      };
    }
  }
};

/**
 * A digest as groups of sites: failures by what failed (else workflow and error), recoveries by workflow;
 * the biggest group first, sites sorted by name.
 */
export const digestView = (notice: DigestNotice): DigestView => {
  const { part, kind } = notice;
  const suffix = part.count > 1 ? ` (${part.index + 1}/${part.count})` : "";
  const groups = new Map<string, Array<{ name: string; url: string | null }>>();
  for (const { event } of notice.items) {
    const at = kind === "failure" ? firstFailedLabel(event) : null;
    const error = collapseSpaces(event.detail?.split(/\r?\n/, 1)[0] ?? "") || outcomeWords(event.outcome);
    const heading =
      at !== null
        ? `failed at ${collapseSpaces(at)}`
        : kind === "failure"
          ? `${collapseSpaces(event.workflow)} · ${error}`
          : collapseSpaces(event.workflow);
    const which = event.branch ?? event.context;
    const name = `${collapseSpaces(event.site)}${which ? ` (${collapseSpaces(which)})` : ""}`;
    groups.set(heading, [...(groups.get(heading) ?? []), { name, url: httpUrl(event.logsUrl) }]);
  }
  return {
    tone: kind === "failure" ? "failure" : "recovery",
    title:
      kind === "failure"
        ? `🚨 ${plural(part.totalSites, "site")} failed at once${suffix}`
        : `✅ ${plural(part.totalSites, "site")} recovered${suffix}`,
    intro:
      kind === "failure"
        ? `${plural(notice.items.length, "new failure")} within a short time, grouped by what failed. Each link opens the logs.`
        : `${plural(notice.items.length, "site")} of the storm passing again. Each link opens the run.`,
    groups: [...groups.entries()]
      .sort(([a, x], [b, y]) => y.length - x.length || (a < b ? -1 : 1))
      .map(([heading, sites]) => ({
        heading: `${plural(sites.length, "site")} · ${heading}`,
        sites: [...sites].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      })),
  };
};
