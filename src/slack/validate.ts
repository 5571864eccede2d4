import {
  ACTION_ID_MAX,
  BUTTON_TEXT_MAX,
  BUTTON_URL_MAX,
  FIELD_MAX,
  HEADER_MAX,
  MAX_ACTION_ELEMENTS,
  MAX_BLOCKS,
  MAX_CONTEXT_ELEMENTS,
  MAX_FIELDS,
  SECTION_TEXT_MAX,
  TEXT_MAX,
} from "./blocks.ts";
import { httpUrl } from "./escape.ts";
import type { SlackMessage } from "./message.ts";

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
          if ("url" in element) {
            checkText(`${where}.text`, element.text, BUTTON_TEXT_MAX, violations, "plain_text");
            if (element.url.length > BUTTON_URL_MAX)
              violations.push(`${where}.url: more than ${BUTTON_URL_MAX}`);
            if (httpUrl(element.url) === null) violations.push(`${where}.url: not an http(s) URL`);
          }
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
