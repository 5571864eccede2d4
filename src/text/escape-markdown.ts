/**
 * Making payload strings inert in Markdown, for the destinations that render Markdown rather than Slack's
 * mrkdwn: Mattermost (its incoming webhooks and attachments), and the Teams and Discord formatters. After
 * escaping, text from a commit message, a branch or a job name is shown as typed:
 * - every character CommonMark gives a meaning to is backslash-escaped (any ASCII punctuation may be,
 *   https://spec.commonmark.org/0.31.2/#backslash-escapes): no `[text](url)` link, no `![](url)` image,
 *   no `*`/`_`/`~` emphasis, no inline code, no raw HTML or `&entity;`, no table cell, no heading, quote
 *   or list at a line's start;
 * - an `@` before a name gets a zero-width space after it, so `@channel`, `@here`, `@all`, `@everyone`
 *   and `@someone` are never mentions (Mattermost and Discord read them without any markup).
 * Bare URLs stay as they are: a client may make them clickable, but what is shown is where they go.
 */
const SPECIAL = /[\\`*_~[\]()<>|&]/g;
/** At a line's start: a list (`-`, `+`), a setext heading (`=`), an ordered list (`1.` or `1)`). */
const LINE_START = /^(\s*)([-+=#>]|\d+(?=[.)]))/gm;
const MENTION = /(?<![\p{L}\p{N}_.])@(?=[\p{L}\p{N}_])/gu;

export const escapeMarkdown = (text: string): string =>
  text
    .replace(SPECIAL, "\\$&")
    .replace(LINE_START, (_, space: string, mark: string) =>
      /\d/.test(mark) ? `${space}${mark}\\` : `${space}\\${mark}`,
    )
    .replace(MENTION, "@\u200b");
