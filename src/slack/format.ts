import type { FailureEvent, RunEvent } from "../event.ts";
import { shortSha } from "../event.ts";
import { escapeMrkdwn, escapeTruncated, httpUrl, link, truncate } from "./escape.ts";
import { failedAtSection } from "./failed-at.ts";
import type { Block, Mrkdwn, PlainText, SlackMessage } from "./message.ts";

/**
 * Slack messages, as pure functions of events. Every string from a payload is either escaped for mrkdwn
 * (escape.ts) or placed in plain_text, and bounded so that each text object stays within Block Kit's limits:
 * https://docs.slack.dev/reference/block-kit/blocks/section-block (text 3000, fields 10 × 2000),
 * https://docs.slack.dev/reference/block-kit/blocks/header-block (150),
 * https://docs.slack.dev/reference/block-kit/block-elements/button-element (text 75, url 3000),
 * https://docs.slack.dev/reference/block-kit/blocks (50 blocks per message).
 * Slack measures in characters; we count UTF-16 code units (`length`), which is never fewer.
 */
export const HEADER_MAX = 150;
export const SECTION_TEXT_MAX = 3000;
export const FIELD_MAX = 2000;
export const MAX_FIELDS = 10;
export const MAX_BLOCKS = 50;
export const BUTTON_URL_MAX = 3000;
export const BUTTON_TEXT_MAX = 75;
export const ACTION_ID_MAX = 255;
export const MAX_ACTION_ELEMENTS = 25;
export const MAX_CONTEXT_ELEMENTS = 10;
/** Slack truncates a message's `text` beyond this: https://docs.slack.dev/reference/methods/chat.postMessage */
export const TEXT_MAX = 40_000;

// Our own bounds for single payload values, far below the limits above so that a field made of several
// values (a link and a commit message) fits by construction. Measured on the escaped form.
const SITE_MAX = 200;
const VALUE_MAX = 200;
const COMMIT_MESSAGE_MAX = 300;
const ERROR_HEADING_MAX = 300;
/** A longer URL is dropped from a link (the label stays): no sane run or site URL is this long. */
const LINK_URL_MAX = 1000;
const FALLBACK_MAX = 500;
const PIPELINE_IN_HEADER_MAX = 40;

export interface FailureOptions {
  /** Failed runs so far in the episode this failure opened or belongs to. */
  readonly runsInEpisode?: number | undefined;
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

export interface DigestItem {
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

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["min", 60_000],
  ["s", 1000],
];

/** A human duration with its two largest units: "45 s", "12 min 3 s", "2 h 5 min", "3 d 4 h", "2 h". */
export const formatDuration = (ms: number): string => {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) * 1000 : 0;
  const index = UNITS.findIndex(([, size]) => total >= size);
  if (index === -1) return "0 s";
  const parts: string[] = [];
  let rest = total;
  for (const [unit, size] of UNITS.slice(index, index + 2)) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count} ${unit}`);
  }
  return parts.join(" ");
};

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? "" : "s"}`;
const oneLine = (text: string): string => text.replace(/\s+/g, " ").trim();
const plain = (text: string): PlainText => ({ type: "plain_text", text, emoji: true });
const mrkdwn = (text: string): Mrkdwn => ({ type: "mrkdwn", text });
const bounded = (url: string | null | undefined): string | null =>
  url && url.length <= LINK_URL_MAX ? url : null;
/** A payload value on one line, escaped and bounded. */
const value = (text: string | null | undefined, max = VALUE_MAX): string | null => {
  const line = text ? oneLine(text) : "";
  return line === "" ? null : escapeTruncated(line, max);
};

const message = (text: string, blocks: Block[]): SlackMessage => ({
  text: truncate(text, FALLBACK_MAX),
  blocks,
  unfurl_links: false,
  unfurl_media: false,
});

/** "<emoji> <what>: <site>", the site kept visible however long the workflow name is. */
const header = (prefix: string, site: string): Block => {
  const head = truncate(oneLine(prefix), 60);
  return { type: "header", text: plain(`${head}: ${truncate(oneLine(site), HEADER_MAX - head.length - 2)}`) };
};

const fieldsSection = (entries: Array<readonly [string, string | null]>): Block | null => {
  const fields = entries
    .filter((entry): entry is readonly [string, string] => entry[1] !== null && entry[1] !== "")
    .slice(0, MAX_FIELDS)
    .map(([label, text]) => mrkdwn(truncate(`*${label}*\n${text}`, FIELD_MAX)));
  return fields.length === 0 ? null : { type: "section", fields };
};

const contextBlock = (parts: Array<string | null>): Block | null => {
  const text = parts.filter((part): part is string => part !== null && part !== "").join(" · ");
  return text === "" ? null : { type: "context", elements: [mrkdwn(truncate(text, SECTION_TEXT_MAX))] };
};

type Button = Extract<Block, { type: "actions" }>["elements"][number];

/** A link button, or null when the URL is not http(s) or too long for Slack: the message goes out anyway. */
const button = (label: string, url: string | null | undefined, actionId: string): Button | null => {
  const href = httpUrl(url);
  if (href === null || href.length > BUTTON_URL_MAX) return null;
  return { type: "button", text: plain(truncate(label, BUTTON_TEXT_MAX)), url: href, action_id: actionId };
};

const actionsBlock = (buttons: Array<Button | null>): Block | null => {
  const elements = buttons.filter((b): b is Button => b !== null);
  return elements.length === 0 ? null : { type: "actions", elements };
};

const present = (blocks: Array<Block | null>): Block[] => blocks.filter((b): b is Block => b !== null);

/**
 * `<!date^…>` renders in each reader's time zone; the text after `|` is shown by clients that cannot.
 * https://docs.slack.dev/messaging/formatting-message-text#date-formatting
 */
const slackDate = (iso: string): string => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeTruncated(iso, 64);
  const fallback = `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} at {time}|${fallback}>`;
};

const elapsed = (from: string, to: number): number | null => {
  const start = Date.parse(from);
  return Number.isNaN(start) || Number.isNaN(to) || to < start ? null : to - start;
};

const OUTCOME_WORDS: Readonly<Record<string, string>> = {
  failure: "failed",
  timed_out: "timed out",
  startup_failure: "failed to start",
  deploy_error: "failed",
};

/** Outcomes outside the four failure outcomes can still arrive through NOTIFY_CONCLUSIONS. */
const outcomeWords = (outcome: string): string => OUTCOME_WORDS[outcome] ?? `ended: ${outcome}`;

const what = (event: RunEvent): string =>
  event.outcome === "deploy_error"
    ? "Netlify deploy failed"
    : `${truncate(oneLine(event.pipeline), PIPELINE_IN_HEADER_MAX)} ${outcomeWords(event.outcome)}`;

const siteLink = (event: RunEvent): string => link(bounded(event.siteUrl), oneLine(event.site), SITE_MAX);
const siteLabel = (event: RunEvent): string =>
  event.source === "github" ? "Repository" : event.source === "gitlab" ? "Project" : "Site";

/** Workflow (GitHub), Pipeline (GitLab) or deploy Context (Netlify). */
const pipelineField = (event: RunEvent): readonly [string, string | null] =>
  event.source === "netlify"
    ? ["Context", value(event.context)]
    : [event.source === "github" ? "Workflow" : "Pipeline", value(event.pipeline)];

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

/** Triple backticks in a detail would close our code block early; a zero-width space keeps them apart. */
const codeBlock = (text: string, max: number): string => {
  const body = escapeTruncated(text.replace(/`(?=`)/g, "`\u200b"), max - 8);
  return `\`\`\`${body}\`\`\``;
};

const errorSection = (event: RunEvent): Block | null => {
  if (!event.detail?.trim()) return null;
  const label = "*Netlify error*\n";
  return {
    type: "section",
    text: mrkdwn(`${label}${codeBlock(event.detail.trim(), SECTION_TEXT_MAX - label.length)}`),
  };
};

const fallbackSummary = (headline: string, event: RunEvent, extra: string | null = null): string => {
  const branch = event.branch ? ` on ${oneLine(event.branch)}` : "";
  return escapeMrkdwn(`${headline}${branch}${extra === null ? "" : `, ${extra}`}`);
};

/** The first failure of an episode: what failed, where, which commit, and a button to the logs. */
export const formatFailure = (event: FailureEvent, opts: FailureOptions = {}): SlackMessage => {
  const prefix = `❌ ${what(event)}`;
  const runs = opts.runsInEpisode ?? 1;
  const fields = runFields(event);
  if (event.source === "github" && event.attempt > 1) fields.push(["Attempt", String(event.attempt)]);
  const blocks = present([
    header(prefix, event.site),
    fieldsSection(fields),
    failedAtSection(event),
    errorSection(event),
    contextBlock([
      event.source === "github" && event.runNumber !== null ? `Run #${event.runNumber}` : null,
      event.source !== "netlify" && event.context ? `on ${value(event.context, 60)}` : null,
      `finished ${slackDate(event.occurredAt)}`,
      runs > 1 ? `${plural(runs, "failed run")} in this episode` : null,
    ]),
    actionsBlock([button(logsLabel(event), event.logsUrl, "view_logs")]),
  ]);
  return message(fallbackSummary(`${prefix}: ${oneLine(event.site)}`, event), blocks);
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
  return message(fallbackSummary(`✅ Recovered: ${oneLine(event.site)}`, event, summary), blocks);
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
    errorSection(event),
    actionsBlock([
      button("View latest logs", episode.lastLogsUrl, "view_latest_logs"),
      episode.lastLogsUrl === event.logsUrl
        ? null
        : button("View first failure", event.logsUrl, "view_first_failure"),
    ]),
  ]);
  const summary = `${forText === null ? "" : `for ${forText}, `}${runs}`;
  return message(fallbackSummary(`⏰ Still failing: ${oneLine(event.site)}`, event, summary), blocks);
};

interface DigestGroup {
  /** "*Workflow*", mrkdwn. */
  readonly pipeline: string;
  /** The error shared by the group, mrkdwn-escaped; null for recoveries. */
  readonly error: string | null;
  readonly entries: string[];
}

/** "*Build and deploy* · 12 sites · failed": the count before the error, so it never reads as part of it. */
const groupHeading = (group: DigestGroup, continued: boolean): string =>
  [
    `${group.pipeline} · ${plural(group.entries.length, "site")}${continued ? " (continued)" : ""}`,
    group.error,
  ]
    .filter((part) => part !== null)
    .join(" · ");

/** Groups by pipeline, and for failures by error (Netlify's first line of detail, else the outcome). */
const digestGroups = (items: readonly DigestItem[], kind: "failure" | "recovery"): DigestGroup[] => {
  const byKey = new Map<string, { pipeline: string; error: string | null; events: RunEvent[] }>();
  for (const { event } of items) {
    const pipeline = oneLine(event.pipeline);
    // Netlify's "Failed during stage 'building site': " prefix would repeat in every group heading.
    const firstLine =
      event.detail?.split(/\r?\n/, 1)[0]?.replace(/^failed during stage '[^']*':\s*/i, "") ?? "";
    const error = oneLine(firstLine) || outcomeWords(event.outcome);
    const key = kind === "failure" ? `${pipeline}\u0000${error}` : pipeline;
    const group = byKey.get(key) ?? {
      pipeline: `*${escapeTruncated(pipeline, VALUE_MAX)}*`,
      error: kind === "failure" ? escapeTruncated(error, ERROR_HEADING_MAX) : null,
      events: [],
    };
    group.events.push(event);
    byKey.set(key, group);
  }
  return [...byKey.values()]
    .sort((a, b) => {
      const order = (g: typeof a) => `${g.pipeline}\u0000${g.error ?? ""}`;
      return b.events.length - a.events.length || (order(a) < order(b) ? -1 : 1);
    })
    .map(({ pipeline, error, events }) => {
      const counts = new Map<string, number>();
      for (const e of events) counts.set(e.site, (counts.get(e.site) ?? 0) + 1);
      const entries = [...events]
        .sort((a, b) => (a.site === b.site ? 0 : a.site < b.site ? -1 : 1))
        .map((e) => {
          // The same site twice in a group (two branches or contexts): say which is which.
          const which = (counts.get(e.site) ?? 0) > 1 ? ` (${oneLine(e.branch ?? e.context ?? "")})` : "";
          return link(bounded(e.logsUrl), `${oneLine(e.site)}${which}`, SITE_MAX);
        });
      return { pipeline, error, entries };
    });
};

/**
 * One message for a storm: every site named and linked to its logs, grouped by workflow and error, packed
 * many per section. Only what does not fit in 50 blocks of 3000 characters (or `maxChars`) is cut, with
 * "…and N more".
 */
export const formatDigest = (
  items: readonly DigestItem[],
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
      ? `${plural(items.length, "new failure")} within a short time, grouped by workflow and error. Each link opens the logs.`
      : `${plural(items.length, "site")} of the storm passing again, grouped by workflow. Each link opens the run.`,
  );
  // Header, intro and the closing "…and N more" are always room for.
  const sectionBudget = MAX_BLOCKS - 3;
  let charBudget = (options.maxChars ?? Number.POSITIVE_INFINITY) - title.length - intro.text.length - 40;

  const sections: string[] = [];
  let current = "";
  let currentGroup: DigestGroup | null = null;
  let listed = 0;
  fill: for (const group of digestGroups(items, kind)) {
    for (const [index, entry] of group.entries.entries()) {
      const piece =
        currentGroup === group
          ? `, ${entry}`
          : `${current === "" ? "" : "\n\n"}${groupHeading(group, index > 0)}\n${entry}`;
      let added = piece;
      if (current !== "" && current.length + piece.length <= SECTION_TEXT_MAX && piece.length <= charBudget) {
        current += piece;
      } else {
        added = `${groupHeading(group, index > 0)}\n${entry}`;
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
    const name = oneLine(event.site);
    if (length + name.length + 2 > FALLBACK_MAX - 30) break;
    names.push(name);
    length += name.length + 2;
  }
  const more = items.length - names.length;
  const fallback = `${title}: ${names.join(", ")}${more > 0 ? `, …and ${more} more` : ""}`;
  return { text: escapeTruncated(fallback, FALLBACK_MAX), blocks, unfurl_links: false, unfurl_media: false };
};

/** In our mrkdwn, `<` only ever opens an http(s) link or a date; anything else could be a mention. */
const UNSAFE_ANGLE = /<(?!https?:\/\/|!date\^)/;

const checkText = (
  at: string,
  text: { type: string; text: string } | undefined,
  max: number,
  violations: string[],
  type?: "plain_text",
): void => {
  if (text === undefined) {
    violations.push(`${at}: missing text`);
    return;
  }
  if (type !== undefined && text.type !== type) violations.push(`${at}: must be ${type}, is ${text.type}`);
  if (text.text.trim() === "") violations.push(`${at}: empty text`);
  if (text.text.length > max) violations.push(`${at}: ${text.text.length} characters, more than ${max}`);
  if (text.type === "mrkdwn" && UNSAFE_ANGLE.test(text.text)) {
    violations.push(`${at}: unescaped "<" that is not a link (mention or forged link?)`);
  }
};

/**
 * What in `message` Slack would reject (or render unsafely): lengths, counts, empty texts, non-http(s)
 * button URLs, duplicate action ids, and `<` in mrkdwn that is not one of our links. Empty means valid.
 */
export const validateMessage = (message: SlackMessage): string[] => {
  const violations: string[] = [];
  if (message.text.trim() === "") violations.push("text: empty fallback text");
  if (message.text.length > TEXT_MAX)
    violations.push(`text: ${message.text.length} characters, more than ${TEXT_MAX}`);
  if (UNSAFE_ANGLE.test(message.text)) violations.push(`text: unescaped "<" that is not a link`);
  if (message.unfurl_links !== false || message.unfurl_media !== false) violations.push("unfurl must be off");
  if (message.blocks.length > MAX_BLOCKS)
    violations.push(`blocks: ${message.blocks.length}, more than ${MAX_BLOCKS}`);
  message.blocks.forEach((block, index) => {
    const at = `blocks[${index}]`;
    switch (block.type) {
      case "header":
        checkText(`${at}.text`, block.text, HEADER_MAX, violations, "plain_text");
        break;
      case "section":
        if (block.text === undefined && (block.fields ?? []).length === 0)
          violations.push(`${at}: no text, no fields`);
        if (block.text !== undefined) checkText(`${at}.text`, block.text, SECTION_TEXT_MAX, violations);
        if ((block.fields ?? []).length > MAX_FIELDS)
          violations.push(`${at}.fields: more than ${MAX_FIELDS}`);
        for (const [i, field] of (block.fields ?? []).entries()) {
          checkText(`${at}.fields[${i}]`, field, FIELD_MAX, violations);
        }
        break;
      case "context":
        if (block.elements.length === 0 || block.elements.length > MAX_CONTEXT_ELEMENTS) {
          violations.push(`${at}.elements: ${block.elements.length}, must be 1 to ${MAX_CONTEXT_ELEMENTS}`);
        }
        for (const [i, element] of block.elements.entries()) {
          checkText(`${at}.elements[${i}]`, element, SECTION_TEXT_MAX, violations);
        }
        break;
      case "actions": {
        if (block.elements.length === 0 || block.elements.length > MAX_ACTION_ELEMENTS) {
          violations.push(`${at}.elements: ${block.elements.length}, must be 1 to ${MAX_ACTION_ELEMENTS}`);
        }
        const ids = new Set<string>();
        for (const [i, element] of block.elements.entries()) {
          const where = `${at}.elements[${i}]`;
          checkText(`${where}.text`, element.text, BUTTON_TEXT_MAX, violations, "plain_text");
          if (element.url.length > BUTTON_URL_MAX)
            violations.push(`${where}.url: more than ${BUTTON_URL_MAX}`);
          if (httpUrl(element.url) === null) violations.push(`${where}.url: not an http(s) URL`);
          if (element.action_id !== undefined) {
            if (element.action_id.length > ACTION_ID_MAX) violations.push(`${where}.action_id: too long`);
            if (ids.has(element.action_id))
              violations.push(`${where}.action_id: duplicate ${element.action_id}`);
            ids.add(element.action_id);
          }
        }
        break;
      }
      case "divider":
        break;
    }
  });
  return violations;
};
