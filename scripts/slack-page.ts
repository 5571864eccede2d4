import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Block, linkButtons, type SlackMessage, type TextObject } from "../src/slack/message.ts";

/**
 * One of `npm run render-messages`' pictures: a SlackMessage as a self-contained HTML page that imitates
 * Slack's message view (scripts/render-messages.css), for headless Chromium to screenshot.
 */
export interface Sample {
  /** docs/messages/<kind>.png, as the README names them. */
  readonly kind: string;
  readonly title: string;
  /** When Slack received it, shown next to the app name. */
  readonly postedAt: string;
  readonly message: SlackMessage;
}
// Slack mrkdwn → HTML, for the parts of it vigie writes.

const html = (text: string): string =>
  text.replace(
    /[&<>"]/g,
    (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[char] ?? char,
  );

/** Slack escapes exactly these three; what the reader sees is the character. */
const unescapeSlack = (text: string): string =>
  text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** Text as the reader sees it, made safe for HTML. */
const shown = (text: string): string => html(unescapeSlack(text));

/** *bold*, _italic_, ~strike~: the marks must touch a word on the inside and a boundary on the outside. */
const emphasis = (text: string): string => {
  const mark = (char: string) =>
    new RegExp(
      `(^|[\\s(\\[{"'.,;:!?\\u2026-])\\${char}(?=\\S)([^${char}\\n]*?\\S)\\${char}(?=$|[\\s)\\]}"'.,;:!?\\u2026-])`,
      "g",
    );
  return text
    .replace(mark("*"), "$1<b>$2</b>")
    .replace(mark("_"), "$1<i>$2</i>")
    .replace(mark("~"), "$1<s>$2</s>");
};

/** Renders one `<…>` token: a link, a date (as its fallback text, like a client that cannot format it), a mention. */
const angle = (inner: string): string => {
  const bar = inner.indexOf("|");
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? null : inner.slice(bar + 1);
  if (target.startsWith("!date^")) {
    const fallback = label ?? target;
    return `<span class="date">${shown(fallback)}</span>`;
  }
  if (target.startsWith("!") || target.startsWith("@") || target.startsWith("#")) {
    return `<span class="mention">${shown(label ?? target.replace(/^!/, "@"))}</span>`;
  }
  const href = unescapeSlack(target);
  return `<a href="${html(href)}">${shown(label ?? target)}</a>`;
};

const mrkdwn = (source: string): string => {
  const held: string[] = [];
  const hold = (rendered: string): string => `\u{e000}${held.push(rendered) - 1}\u{e001}`;
  let text = source
    .replace(/```([\s\S]*?)```/g, (_, code: string) => hold(`<pre>${shown(code.replace(/^\n/, ""))}</pre>`))
    .replace(/`([^`\n]+)`/g, (_, code: string) => hold(`<code>${shown(code)}</code>`))
    .replace(/<([^<>\n]+)>/g, (_, inner: string) => hold(angle(inner)));
  text = emphasis(shown(text)).replace(/\n/g, "<br>");
  // A code block is a block: the line breaks around it are its margins.
  text = text.replace(/(<br>)?(\u{e000}\d+\u{e001})(<br>)?/gu, (whole, _before, token: string) =>
    held[Number(token.slice(1, -1))]?.startsWith("<pre>") ? token : whole,
  );
  return text.replace(/\u{e000}(\d+)\u{e001}/gu, (_, index: string) => held[Number(index)] ?? "");
};

const textObject = (object: TextObject): string =>
  object.type === "mrkdwn" ? mrkdwn(object.text) : shown(object.text).replace(/\n/g, "<br>");

const renderBlock = (block: Block): string => {
  switch (block.type) {
    case "header":
      return `<div class="header">${html(block.text.text)}</div>`;
    case "section": {
      const text = block.text ? `<div class="text">${textObject(block.text)}</div>` : "";
      const fields = block.fields?.length
        ? `<div class="fields">${block.fields.map((f) => `<div class="field">${textObject(f)}</div>`).join("")}</div>`
        : "";
      return `<div class="section">${text}${fields}</div>`;
    }
    case "context":
      return `<div class="context">${block.elements.map((e) => `<span>${textObject(e)}</span>`).join("")}</div>`;
    case "divider":
      return `<hr class="divider">`;
    case "actions":
      return `<div class="actions">${linkButtons(block)
        .map((b) => `<a class="button" href="${html(b.url)}">${html(b.text.text)}</a>`)
        .join("")}</div>`;
  }
};

/** "9:44 AM", as Slack shows a message's time (here in UTC, for a stable picture). */
const clock = (iso: string): string => {
  const date = new Date(iso);
  const hours = date.getUTCHours();
  return `${hours % 12 === 0 ? 12 : hours % 12}:${String(date.getUTCMinutes()).padStart(2, "0")} ${hours < 12 ? "AM" : "PM"}`;
};

/** Slack's message view, imitated; read at run time and inlined into each page (self-contained). */
const CSS = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "render-messages.css"), "utf8");

/** A lookout's eye: vigie is French for the lookout at the masthead. */
const AVATAR = `<svg role="img" aria-label="vigie" viewBox="0 0 24 24" fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z"/><circle cx="12" cy="12" r="3" fill="#fff"/></svg>`;

/** A self-contained page that shows the message as Slack does, `width` px wide. */
export const slackPage = (sample: Sample, width: number): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=${width}">
<title>vigie: ${html(sample.title)}</title>
<!-- Generated by scripts/render-messages.ts from the real formatters; do not edit. -->
<style>${CSS}</style>
</head>
<body>
<div class="window">
<div class="message">
<div class="avatar">${AVATAR}</div>
<div class="body">
<div class="meta"><span class="name">vigie</span><span class="badge">APP</span><span class="time">${clock(sample.postedAt)}</span></div>
${sample.message.blocks.map(renderBlock).join("\n")}
</div>
</div>
</div>
</body>
</html>
`;
