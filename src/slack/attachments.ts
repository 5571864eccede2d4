import { link } from "./escape.ts";
import type { Block, SlackMessage, TextObject } from "./message.ts";

/**
 * The same message as Slack's legacy attachments, for hooks that speak Slack's format but do not render
 * Block Kit: Mattermost's incoming webhooks take `text` and `attachments` (fallback, color, title, text,
 * fields with title/value/short) and ignore `blocks`
 * (https://developers.mattermost.com/integrate/reference/message-attachments/). Pure: the blocks' texts
 * are already escaped and bounded by format.ts, so nothing here touches payload strings again.
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

const textOf = (object: TextObject): string => object.text;

/** Red for failures and reminders, green for recoveries, grey otherwise: the header's first character. */
const colorOf = (title: string | undefined): string => {
  if (title?.startsWith("✅")) return "#2eb67d";
  if (title?.startsWith("❌") || title?.startsWith("⏰")) return "#e01e5a";
  return "#868686";
};

/** `*Label*\nvalue` (format.ts's field shape) → a titled field. */
const field = (object: TextObject): { title: string; value: string; short: boolean } => {
  const match = /^\*([^*\n]+)\*\n([\s\S]*)$/.exec(object.text);
  return match
    ? { title: match[1] as string, value: match[2] as string, short: true }
    : { title: "", value: object.text, short: false };
};

export const toAttachments = (message: SlackMessage): AttachmentsPayload => {
  let title: string | undefined;
  let titleLink: string | undefined;
  const texts: string[] = [];
  const fields: Array<{ title: string; value: string; short: boolean }> = [];
  const footer: string[] = [];
  for (const block of message.blocks as Block[]) {
    switch (block.type) {
      case "header":
        title ??= block.text.text;
        break;
      case "section":
        if (block.text) texts.push(textOf(block.text));
        for (const f of block.fields ?? []) fields.push(field(f));
        break;
      case "context":
        footer.push(...block.elements.map(textOf));
        break;
      case "actions":
        for (const element of block.elements) {
          titleLink ??= element.url;
          texts.push(link(element.url, element.text.text));
        }
        break;
      case "divider":
        break;
    }
  }
  const attachment: Attachment = {
    fallback: message.text,
    color: colorOf(title),
    ...(title === undefined ? {} : { title }),
    ...(titleLink === undefined ? {} : { title_link: titleLink }),
    ...(texts.length === 0 ? {} : { text: texts.join("\n\n") }),
    ...(fields.length === 0 ? {} : { fields }),
    ...(footer.length === 0 ? {} : { footer: footer.join(" · ") }),
  };
  return { text: message.text, attachments: [attachment] };
};
