import type { FailureEvent, RunEvent } from "../event.ts";
import { shortSha } from "../event.ts";
import { SLACK_USER_ID } from "../routing/mentions.ts";
import { UNNAMED_PIPELINE } from "../sources/gitlab/normalise.ts";
import {
  actionsBlock,
  bounded,
  button,
  COMMIT_MESSAGE_MAX,
  collapseSpaces,
  contextBlock,
  elapsed,
  fieldsSection,
  formatDuration,
  header,
  MAX_BLOCKS,
  message,
  mrkdwn,
  outcomeWords,
  PIPELINE_IN_HEADER_MAX,
  plural,
  present,
  SECTION_TEXT_MAX,
  SITE_MAX,
  slackDate,
  value,
} from "./blocks.ts";
import { codeBlock, escapeMrkdwn, link, truncate } from "./escape.ts";
import {
  EXCERPT_BLOCK_MAX,
  excerptBlock,
  failedAtLabel,
  failedAtSection,
  firstFailedLabel,
} from "./failed-at.ts";
import type { Block, SlackMessage } from "./message.ts";

/**
 * The messages about one run or deploy, as pure functions of events: the failure that opens an episode,
 * its recovery, the reminder of an episode still open.
 */
export interface FailureOptions {
  /** Failed runs so far in the episode this failure opened or belongs to. */
  readonly runsInEpisode?: number | undefined;
  /**
   * The Slack user id of who triggered the run, from SLACK_MENTIONS (src/routing/mentions.ts): the only
   * mention a message can carry. Anything not shaped like a user id is dropped.
   */
  readonly mention?: string | undefined;
}

export interface RecoveryEpisode {
  readonly openedAt: string;
  readonly failedRuns: number;
  readonly firstFailureUrl?: string | null | undefined;
}

export interface ReminderEpisode {
  readonly openedAt: string;
  readonly failedRuns: number;
  readonly lastFailureAt: string;
  readonly lastLogsUrl: string;
}

/** A GitLab pipeline without `workflow:name`: its name says nothing, so the header says "GitLab pipeline". */
const unnamedPipeline = (event: RunEvent): boolean =>
  event.source === "gitlab" && event.workflow === UNNAMED_PIPELINE;

const what = (event: RunEvent): string =>
  event.outcome === "deploy_error"
    ? "Netlify deploy failed"
    : `${unnamedPipeline(event) ? "GitLab pipeline" : truncate(collapseSpaces(event.workflow), PIPELINE_IN_HEADER_MAX)} ${outcomeWords(event.outcome)}`;

const siteLink = (event: RunEvent): string =>
  link(bounded(event.siteUrl), collapseSpaces(event.site), SITE_MAX);
const siteLabel = (event: RunEvent): string =>
  event.source === "github" ? "Repository" : event.source === "gitlab" ? "Project" : "Site";

/** Workflow (GitHub), Pipeline (GitLab, when it has a name) or deploy Context (Netlify). */
const pipelineField = (event: RunEvent): readonly [string, string | null] =>
  event.source === "netlify"
    ? ["Context", value(event.context)]
    : [
        event.source === "github" ? "Workflow" : "Pipeline",
        unnamedPipeline(event) ? null : value(event.workflow),
      ];

/** Short sha linked to the commit, then the first line of its message. */
const commitText = (event: RunEvent): string | null => {
  const sha = shortSha(event.commit.sha);
  const first = value(event.commit.message?.split(/\r?\n/, 1)[0], COMMIT_MESSAGE_MAX);
  const shaText = sha === null ? null : link(bounded(event.commit.url), sha, 40);
  return [shaText, first].filter((part) => part !== null).join(" ") || null;
};

const actor = (event: RunEvent): string | null => value(event.actor ?? event.commit.author);

/** Repository/Site, Branch, Workflow (GitHub) or Context (Netlify), Commit, Triggered by. */
const runFields = (event: RunEvent): Array<readonly [string, string | null]> => [
  [siteLabel(event), siteLink(event)],
  event.source === "gitlab" && event.tag ? ["Tag", value(event.ref)] : ["Branch", value(event.branch)],
  pipelineField(event),
  ["Commit", commitText(event)],
  ["Triggered by", actor(event)],
];

const logsLabel = (event: RunEvent): string => (event.source === "netlify" ? "View deploy log" : "View logs");

const errorSection = (event: RunEvent): Block | null => {
  if (!event.detail?.trim()) return null;
  const label = "*Netlify error*\n";
  return {
    type: "section",
    text: mrkdwn(`${label}${codeBlock(event.detail.trim(), SECTION_TEXT_MAX - label.length)}`),
  };
};

const fallbackSummary = (headline: string, event: RunEvent, extra: string | null = null): string => {
  const branch = event.branch ? ` on ${collapseSpaces(event.branch)}` : "";
  return escapeMrkdwn(`${headline}${branch}${extra === null ? "" : `, ${extra}`}`);
};

/** `<@U…>` for a validated user id, else null: a mention is never built from anything else. */
const mentionOf = (id: string | undefined): string | null =>
  id !== undefined && SLACK_USER_ID.test(id) ? `<@${id}>` : null;

/** The first failure of an episode: what failed, where, which commit, and a button to the logs. */
export const formatFailure = (event: FailureEvent, opts: FailureOptions = {}): SlackMessage => {
  const prefix = `❌ ${what(event)}`;
  const runs = opts.runsInEpisode ?? 1;
  const mention = mentionOf(opts.mention);
  const fields = runFields(event).map(([label, text]): readonly [string, string | null] =>
    label === "Triggered by" && mention !== null
      ? [label, text === null ? mention : `${text} (${mention})`]
      : [label, text],
  );
  if (event.source === "github" && event.attempt > 1) fields.push(["Attempt", String(event.attempt)]);
  const blocks = present([
    header(prefix, event.site),
    fieldsSection(fields),
    // A Netlify error is in its "Failed at" line; events stored before failedAt existed still show it.
    failedAtSection(event) ?? errorSection(event),
    contextBlock([
      event.source === "github" && event.runNumber !== null ? `Run #${event.runNumber}` : null,
      event.source !== "netlify" && event.context ? `on ${value(event.context, 60)}` : null,
      `finished ${slackDate(event.occurredAt)}`,
      runs > 1 ? `${plural(runs, "failed run")} in this episode` : null,
    ]),
    actionsBlock([button(logsLabel(event), event.logsUrl, "view_logs")]),
  ]);
  const at = firstFailedLabel(event);
  const fallback = fallbackSummary(
    `${prefix}: ${collapseSpaces(event.site)}`,
    event,
    at === null ? null : `at ${collapseSpaces(at)}`,
  );
  // The mention is ours (never escaped) and leads, so that bounding the fallback never cuts it; it notifies
  // the person from the notification text too.
  return message(mention === null ? fallback : `${mention} ${fallback}`, blocks);
};

/**
 * With the Slack app, the failure message once its stream recovered, to replace it in place
 * (chat.update): the same message under a "Recovered" header, saying after how long and how many runs.
 */
export const formatResolved = (
  first: FailureEvent,
  success: RunEvent,
  episode: RecoveryEpisode,
): SlackMessage => {
  const original = formatFailure(first);
  const duration = elapsed(episode.openedAt, Date.parse(success.occurredAt));
  const brokenFor = duration === null ? null : formatDuration(duration);
  const runs = plural(episode.failedRuns, "failed run");
  const summary = `${brokenFor === null ? "" : `broken for ${brokenFor}, `}${runs}`;
  const fixedBy = commitText(success);
  const blocks = present([
    header(`✅ Recovered (was: ${what(first)})`, first.site),
    {
      type: "section",
      text: mrkdwn(
        `Passing again since ${slackDate(success.occurredAt)}: ` +
          `${brokenFor === null ? "" : `broken for *${brokenFor}*, `}*${runs}*` +
          `${fixedBy === null ? "" : `. Fixed by ${fixedBy}`}.`,
      ),
    },
    ...original.blocks.filter((block) => block.type !== "header"),
  ]).slice(0, MAX_BLOCKS);
  return message(fallbackSummary(`✅ Recovered: ${collapseSpaces(first.site)}`, first, summary), blocks);
};

/** A failing stream succeeded again: how long it was broken and how many runs failed meanwhile. */
export const formatRecovery = (event: RunEvent, episode: RecoveryEpisode): SlackMessage => {
  const duration = elapsed(episode.openedAt, Date.parse(event.occurredAt));
  const brokenFor = duration === null ? null : formatDuration(duration);
  const runs = plural(episode.failedRuns, "failed run");
  const summary = `${brokenFor === null ? "" : `broken for ${brokenFor}, `}${runs}`;
  const branch = value(event.branch);
  const blocks = present([
    header("✅ Recovered", event.site),
    {
      type: "section",
      text: mrkdwn(
        `${siteLink(event)} is passing again${branch === null ? "" : ` on ${branch}`}: ` +
          `${brokenFor === null ? "" : `broken for *${brokenFor}*, `}*${runs}*.`,
      ),
    },
    fieldsSection([
      pipelineField(event),
      ["Fixed by", commitText(event)],
      ["Broken since", slackDate(episode.openedAt)],
      ["Triggered by", actor(event)],
    ]),
    actionsBlock([
      button(event.source === "netlify" ? "View deploy log" : "View run", event.logsUrl, "view_run"),
      button("View first failure", episode.firstFailureUrl, "view_first_failure"),
    ]),
  ]);
  return message(fallbackSummary(`✅ Recovered: ${collapseSpaces(event.site)}`, event, summary), blocks);
};

/**
 * An episode still open after REMINDER_HOURS. `event` is the failure that opened it. `now` is the sweep's
 * clock (how long it has been failing is measured up to now, not to the last failure).
 */
export const formatReminder = (
  event: FailureEvent,
  episode: ReminderEpisode,
  now: number = Date.now(),
): SlackMessage => {
  const duration = elapsed(episode.openedAt, now);
  const forText = duration === null ? null : formatDuration(duration);
  const runs = plural(episode.failedRuns, "failed run");
  const branch = value(event.branch);
  const blocks = present([
    header("⏰ Still failing", event.site),
    {
      type: "section",
      text: mrkdwn(
        `${siteLink(event)} has been failing${forText === null ? "" : ` for *${forText}*`}` +
          `${branch === null ? "" : ` on ${branch}`}: *${runs}* so far.`,
      ),
    },
    fieldsSection([
      pipelineField(event),
      ["First failed commit", commitText(event)],
      ["Failing since", slackDate(episode.openedAt)],
      ["Last failure", slackDate(episode.lastFailureAt)],
    ]),
    failedAtSection(event) ?? errorSection(event),
    actionsBlock([
      button("View latest logs", episode.lastLogsUrl, "view_latest_logs"),
      episode.lastLogsUrl === event.logsUrl
        ? null
        : button("View first failure", event.logsUrl, "view_first_failure"),
    ]),
  ]);
  const summary = `${forText === null ? "" : `for ${forText}, `}${runs}`;
  return message(fallbackSummary(`⏰ Still failing: ${collapseSpaces(event.site)}`, event, summary), blocks);
};

/** At most this many jobs' excerpts in a thread reply (the detail lookup reads no more logs than that). */
const REPLY_EXCERPTS = 3;

/**
 * In Slack app mode, why it failed as a reply in the failure message's thread, when the message went
 * without it (its log came later than the message could wait: docs/architecture.md, "Why it failed").
 * null when no job has an excerpt, so that nothing empty is posted.
 */
export const formatExcerptReply = (event: FailureEvent): SlackMessage | null => {
  const jobs = (event.failedAt?.jobs ?? []).filter((job) => (job.excerpt?.length ?? 0) > 0);
  if (jobs.length === 0) return null;
  const blocks = jobs.slice(0, REPLY_EXCERPTS).map(
    (job): Block => ({
      type: "section",
      text: mrkdwn(
        `*Why it failed* · ${link(bounded(job.url), failedAtLabel(job), 300)}\n${excerptBlock(job.excerpt ?? [], EXCERPT_BLOCK_MAX)}`,
      ),
    }),
  );
  const first = jobs[0] ? collapseSpaces(failedAtLabel(jobs[0])) : "";
  return message(escapeMrkdwn(`Why it failed: ${collapseSpaces(event.site)}, at ${first}`), blocks);
};
