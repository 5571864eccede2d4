import { utcMinute } from "../text/utc-minute.ts";
import { escapeTruncated, httpUrl, truncate } from "./escape.ts";
import type { Block, LinkButton, Mrkdwn, PlainText, SlackMessage } from "./message.ts";

/**
 * The building blocks of vigie's Slack messages (run-messages.ts, digest.ts): Block Kit's limits, text
 * objects and blocks that stay within them, dates and durations. Every string from a payload is either
 * escaped for mrkdwn (escape.ts) or placed in plain_text, and bounded so that each text object stays within
 * Block Kit's limits:
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
export const SITE_MAX = 200;
export const VALUE_MAX = 200;
export const COMMIT_MESSAGE_MAX = 300;
export const ERROR_HEADING_MAX = 300;
/** A longer URL is dropped from a link (the label stays): no sane run or site URL is this long. */
export const LINK_URL_MAX = 1000;
export const FALLBACK_MAX = 500;
export const PIPELINE_IN_HEADER_MAX = 40;

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

export const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? "" : "s"}`;
export const collapseSpaces = (text: string): string => text.replace(/\s+/g, " ").trim();
export const plain = (text: string): PlainText => ({ type: "plain_text", text, emoji: true });
export const mrkdwn = (text: string): Mrkdwn => ({ type: "mrkdwn", text });
export const bounded = (url: string | null | undefined): string | null =>
  url && url.length <= LINK_URL_MAX ? url : null;
/** A payload value on one line, escaped and bounded. */
export const value = (text: string | null | undefined, max = VALUE_MAX): string | null => {
  const line = text ? collapseSpaces(text) : "";
  return line === "" ? null : escapeTruncated(line, max);
};

export const message = (text: string, blocks: Block[]): SlackMessage => ({
  text: truncate(text, FALLBACK_MAX),
  blocks,
  unfurl_links: false,
  unfurl_media: false,
});

/** "<emoji> <what>: <site>", the site kept visible however long the workflow name is. */
export const header = (prefix: string, site: string): Block => {
  const head = truncate(collapseSpaces(prefix), 60);
  return {
    type: "header",
    text: plain(`${head}: ${truncate(collapseSpaces(site), HEADER_MAX - head.length - 2)}`),
  };
};

export const fieldsSection = (entries: Array<readonly [string, string | null]>): Block | null => {
  const fields = entries
    .filter((entry): entry is readonly [string, string] => entry[1] !== null && entry[1] !== "")
    .slice(0, MAX_FIELDS)
    .map(([label, text]) => mrkdwn(truncate(`*${label}*\n${text}`, FIELD_MAX)));
  return fields.length === 0 ? null : { type: "section", fields };
};

export const contextBlock = (parts: Array<string | null>): Block | null => {
  const text = parts.filter((part): part is string => part !== null && part !== "").join(" · ");
  return text === "" ? null : { type: "context", elements: [mrkdwn(truncate(text, SECTION_TEXT_MAX))] };
};

export type Button = LinkButton;

/** A link button, or null when the URL is not http(s) or too long for Slack: the message goes out anyway. */
export const button = (label: string, url: string | null | undefined, actionId: string): Button | null => {
  const href = httpUrl(url);
  if (href === null || href.length > BUTTON_URL_MAX) return null;
  return { type: "button", text: plain(truncate(label, BUTTON_TEXT_MAX)), url: href, action_id: actionId };
};

export const actionsBlock = (buttons: Array<Button | null>): Block | null => {
  const elements = buttons.filter((b): b is Button => b !== null);
  return elements.length === 0 ? null : { type: "actions", elements };
};

export const present = (blocks: Array<Block | null>): Block[] => blocks.filter((b): b is Block => b !== null);

/**
 * `<!date^…>` renders in each reader's time zone; the text after `|` is shown by clients that cannot.
 * https://docs.slack.dev/messaging/formatting-message-text#date-formatting
 */
export const slackDate = (iso: string): string => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeTruncated(iso, 64);
  const fallback = utcMinute(ms);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} at {time}|${fallback}>`;
};

export const elapsed = (from: string, to: number): number | null => {
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
export const outcomeWords = (outcome: string): string => OUTCOME_WORDS[outcome] ?? `ended: ${outcome}`;
