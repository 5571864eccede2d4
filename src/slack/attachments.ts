import { ESCAPE, httpUrl } from "./escape.ts";
import { linkButtons, type SlackMessage, type TextObject } from "./message.ts";

/** Mattermost renders Markdown: its escaper (src/slack/escape.ts). */
const escapeMarkdown = ESCAPE.markdown;

/**
 * The same message as Slack's legacy attachments, for hooks that speak Slack's format but do not render
 * Block Kit: Mattermost's incoming webhooks take `text` and `attachments` (fallback, color, title, text,
 * fields with title/value/short) and ignore `blocks`
 * (https://developers.mattermost.com/integrate/reference/message-attachments/). Pure.
 *
 * Mattermost renders Markdown, not mrkdwn, and reads `@channel` in `text`, attachment text and fields
 * without any markup: the blocks' texts, escaped for mrkdwn only, are rewritten for Markdown here
 * (`mrkdwnToMarkdown`). vigie's own mrkdwn is told apart from payload text by what escaping left:
 * payload text can hold no `<` or `>` (they are `&lt;`/`&gt;`), so every `<url|label>` is vigie's link and
 * every code block vigie's; those become Markdown links and fenced blocks, and everything else goes
 * through escapeMarkdown (src/text/escape-markdown.ts). The one ambiguity is `*bold*`: a pair of
 * asterisks around a phrase stays bold, as Slack shows it; any other `*`, `_`, `~`, `[`, `!`, `@`… is inert.
 */
export interface Attachment {
  fallback: string;
  color: string;
  title?: string;
  title_link?: string;
  text?: string;
  fields?: Array<{ title: string; value: string; short: boolean }>;
  footer?: string;
}

export interface AttachmentsPayload {
  text: string;
  attachments: Attachment[];
}

const ENTITIES: Readonly<Record<string, string>> = { "&amp;": "&", "&lt;": "<", "&gt;": ">" };
/** mrkdwn's three entities back to characters (escapeMrkdwn's inverse). */
const decode = (text: string): string =>
  text.replace(/&(?:amp|lt|gt);/g, (entity) => ENTITIES[entity] ?? entity);

/** Payload text in mrkdwn, with vigie's `*bold*` pairs kept as Markdown bold. */
const plainToMarkdown = (mrkdwn: string): string =>
  mrkdwn
    .split(/(?<![^\s(·,])\*([^*\n]+)\*(?![^\s).,·:;])/)
    .map((part, index) =>
      index % 2 === 1 ? `**${escapeMarkdown(decode(part))}**` : escapeMarkdown(decode(part)),
    )
    .join("");

/** A link target for Markdown: http(s) only, and nothing that would end `(…)` early. */
const markdownTarget = (url: string): string | null =>
  httpUrl(decode(url))?.replace(/[()<>\s]/g, (char) => encodeURIComponent(char)) ?? null;

/** vigie's mrkdwn (see above) as Markdown for Mattermost. */
export const mrkdwnToMarkdown = (mrkdwn: string): string => {
  let out = "";
  // Code blocks and links are vigie's; the text between them is escaped payload and vigie's words.
  const structure = /```([\s\S]*?)```|<([^<>|]*)(?:\|([^<>]*))?>/g;
  let last = 0;
  for (const match of mrkdwn.matchAll(structure)) {
    out += plainToMarkdown(mrkdwn.slice(last, match.index));
    last = match.index + match[0].length;
    const [, code, target = "", label] = match;
    if (code !== undefined) {
      out += `\n\`\`\`\n${decode(code)}\n\`\`\`\n`;
      continue;
    }
    const href = markdownTarget(target);
    const text = escapeMarkdown(decode(label ?? target));
    out += href === null ? text : `[${text}](${href})`;
  }
  return out + plainToMarkdown(mrkdwn.slice(last));
};

const textOf = (object: TextObject): string =>
  object.type === "mrkdwn" ? mrkdwnToMarkdown(object.text) : escapeMarkdown(object.text);

/** Red for failures and reminders, green for recoveries, grey otherwise: the header's first character. */
const colorOf = (title: string | undefined): string => {
  if (title?.startsWith("✅")) return "#2eb67d";
  if (title?.startsWith("❌") || title?.startsWith("⏰")) return "#e01e5a";
  return "#868686";
};

/** `*Label*\nvalue` (format.ts's field shape) → a titled field; the title is vigie's own word. */
const field = (object: TextObject): { title: string; value: string; short: boolean } => {
  const [, title, value] = /^\*([^*\n]+)\*\n([\s\S]*)$/.exec(object.text) ?? [];
  return title !== undefined && value !== undefined
    ? { title: decode(title), value: mrkdwnToMarkdown(value), short: true }
    : { title: "", value: textOf(object), short: false };
};

export const toAttachments = (message: SlackMessage): AttachmentsPayload => {
  let title: string | undefined;
  let titleLink: string | undefined;
  const texts: string[] = [];
  const fields: Array<{ title: string; value: string; short: boolean }> = [];
  const footer: string[] = [];
  for (const block of message.blocks) {
    switch (block.type) {
      case "header":
        title ??= escapeMarkdown(block.text.text);
        break;
      case "section":
        if (block.text) texts.push(textOf(block.text));
        for (const f of block.fields ?? []) fields.push(field(f));
        break;
      case "context":
        footer.push(...block.elements.map(textOf));
        break;
      case "actions":
        for (const element of linkButtons(block)) {
          const href = markdownTarget(element.url);
          titleLink ??= href ?? undefined;
          const label = escapeMarkdown(element.text.text);
          texts.push(href === null ? label : `[${label}](${href})`);
        }
        break;
      case "divider":
        break;
    }
  }
  const attachment: Attachment = {
    // Plain text, for notifications: the mrkdwn fallback, entities decoded, no name after an @.
    fallback: decode(message.text).replace(/@(?=[\p{L}\p{N}_])/gu, "@\u200b"),
    color: colorOf(title),
    ...(title === undefined ? {} : { title }),
    ...(titleLink === undefined ? {} : { title_link: titleLink }),
    ...(texts.length === 0 ? {} : { text: texts.join("\n\n") }),
    ...(fields.length === 0 ? {} : { fields }),
    ...(footer.length === 0 ? {} : { footer: footer.join(" · ") }),
  };
  return { text: mrkdwnToMarkdown(message.text), attachments: [attachment] };
};
