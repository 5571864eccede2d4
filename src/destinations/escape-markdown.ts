/**
 * Making payload text inert in the Markdown of Discord, Microsoft Teams (Adaptive Card TextBlock and
 * FactSet) and Mattermost: every ASCII mark those dialects read is backslash-escaped (CommonMark lets any
 * ASCII punctuation be escaped, and the backslash is not shown), so that `**bold**`, `[click](https://evil)`,
 * a heading, a quote or a list marker in a commit message is shown as typed. Beyond Markdown:
 * - `<@123>`, `<#123>`, `<at>Name</at>` (Discord and Teams mentions): `<` is escaped like the rest;
 * - `@everyone` / `@here`: a zero-width space after the `@` (Discord also gets `allowed_mentions` empty);
 * - `{{DATE(…)}}` (Teams' date functions): `{` and `}` are escaped.
 * Newlines are kept: callers put payload text on one line where a line break would matter.
 */
const MARKS = /[\\`*_~|<>#[\](){}!]/g;
/** A list marker or heading mark at the start of a line (`- x`, `+ x`, `1. x`, `-# x`). */
const LINE_START = /^(\s*)([-+]|\d+(?=[.)]))/gm;

export const escapeMarkdown = (text: string): string =>
  text
    .replace(MARKS, (mark) => `\\${mark}`)
    .replace(LINE_START, (_, space: string, marker: string) =>
      /\d/.test(marker) ? `${space}${marker}\\` : `${space}\\${marker}`,
    )
    .replace(/@(everyone|here)\b/gi, "@\u200b$1");

/**
 * Code in a fenced block: only a run of backticks could close the fence early, so a zero-width space
 * keeps backticks apart. Everything else inside a fence is shown as typed.
 */
export const fencedCode = (lines: readonly string[]): string =>
  `\`\`\`\n${lines.map((line) => line.replace(/`(?=`)/g, "`\u200b")).join("\n")}\n\`\`\``;

/**
 * A URL as a Markdown link target: the characters that could end the target or be read as Markdown
 * (`(`, `)`, `[`, `]`, `<`, `>`, `{`, `}`, `|`, `*`, `_`, `~`, backtick, `\\`, spaces) are percent-encoded, which leaves an
 * http(s) URL pointing where it did.
 */
export const linkTarget = (url: string): string =>
  url.replace(
    /[()[\]<>{}|*_~`\\\s]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
