/**
 * Making payload strings inert in Slack mrkdwn. Slack treats exactly three characters as control characters
 * (`&`, `<`, `>`) and asks for them, and only them, to be written as HTML entities:
 * https://docs.slack.dev/messaging/formatting-message-text#escaping
 * Once escaped, `<!channel>`, `<@U123>` or `<https://evil|click>` from a commit message are shown as typed,
 * never as a mention or a forged link. Other mrkdwn marks (`*`, `_`, `~`, backticks) only change emphasis.
 */

import { escapeMarkdown } from "../text/escape-markdown.ts";

const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/** Escapes `&`, `<` and `>` for a mrkdwn text object (and the fallback `text`, which is mrkdwn too). */
export const escapeMrkdwn = (text: string): string =>
  text.replace(/[&<>]/g, (char) => ENTITIES[char] ?? char);

/**
 * The markup a destination renders, and its one escaper for payload text, chosen by the destination's
 * kind, never by the caller: Slack (incoming webhooks, the Web API) renders mrkdwn; Mattermost
 * (`SLACK_WEBHOOK_FORMAT=attachments`, src/slack/attachments.ts), Teams and Discord render Markdown.
 */
export type Markup = "mrkdwn" | "markdown";
export const ESCAPE: Readonly<Record<Markup, (text: string) => string>> = {
  mrkdwn: (text) => escapeMrkdwn(text),
  markdown: (text) => escapeMarkdown(text),
};

const ELLIPSIS = "…";
/** The entities `escapeMrkdwn` produces; truncation never splits one. */
const ENTITY_AT = /^&(?:amp|lt|gt);/;
const LONGEST_ENTITY = "&amp;".length;

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/**
 * Bounds `text` to `max` UTF-16 code units (what JavaScript's `length` and, conservatively, Slack's limits
 * count), ending with "…" when cut. The cut falls on a code-point boundary (never half an emoji) and never
 * inside an entity: `a &amp; b` cut after `&am` becomes `a …`, not `a &am…`, so it is safe on escaped text.
 */
export const truncate = (text: string, max: number): string => {
  if (text.length <= max) return text;
  if (max < ELLIPSIS.length) return "";
  let end = max - ELLIPSIS.length;
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  const amp = text.lastIndexOf("&", end - 1);
  if (amp !== -1 && amp > end - LONGEST_ENTITY) {
    const entity = ENTITY_AT.exec(text.slice(amp, amp + LONGEST_ENTITY));
    if (entity && amp + entity[0].length > end) end = amp;
  }
  return `${text.slice(0, end).trimEnd()}${ELLIPSIS}`;
};

/** Escapes, then bounds the escaped form (escaping can multiply the length by five). */
export const escapeTruncated = (text: string, max: number): string => truncate(escapeMrkdwn(text), max);

/** The URL normalised by the WHATWG parser when it is http(s), otherwise null (javascript:, relative, junk). */
export const httpUrl = (url: string | null | undefined): string | null => {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
};

/**
 * A mrkdwn link `<url|label>`. The label is escaped (and kept on one line, a newline inside `<…>` breaks the
 * link). The URL must be http(s), otherwise only the escaped label is returned. In the URL, `|`, `<` and `>`
 * would end the link or its target early, so they are percent-encoded, and `&` is written `&amp;` like any
 * other `&` in mrkdwn (Slack decodes it back). `maxLabel` bounds the escaped label.
 */
export const link = (
  url: string | null | undefined,
  label: string,
  maxLabel = Number.POSITIVE_INFINITY,
): string => {
  const text = escapeTruncated(label.replace(/\s+/g, " ").trim(), maxLabel);
  const href = httpUrl(url);
  if (href === null) return text;
  const target = href.replace(/[|<>]/g, (char) => encodeURIComponent(char)).replaceAll("&", "&amp;");
  return text === "" ? `<${target}>` : `<${target}|${text}>`;
};

/**
 * A mrkdwn code block of at most `max` characters. Inside backticks Slack still reads `&`, `<` and `>`,
 * so the text is escaped like any other; triple backticks in it would close the block early, so a
 * zero-width space keeps them apart.
 */
export const codeBlock = (text: string, max: number): string => {
  const body = escapeTruncated(text.replace(/`(?=`)/g, "`\u200b"), max - 8);
  return `\`\`\`${body}\`\`\``;
};
