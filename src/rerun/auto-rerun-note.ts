import { contextBlock } from "../slack/blocks.ts";
import type { SlackMessage } from "../slack/message.ts";

/**
 * The line a failure message gains when an automatic re-run failed too (docs/architecture.md, "Automatic
 * re-runs"), in every destination kind: whoever reads it knows a retry was already tried.
 */
export const autoRerunLine = (rule: number): string =>
  `🔁 Failed again after an automatic re-run (AUTO_RERUN rule ${rule})`;

/** A Slack failure message with the note's line under its header. */
export const withAutoRerunNote = (message: SlackMessage, rule: number): SlackMessage => {
  const note = contextBlock([autoRerunLine(rule)]);
  if (note === null) return message;
  const [first, ...rest] = message.blocks;
  return {
    ...message,
    text: `${message.text} (failed again after an automatic re-run)`,
    blocks: first === undefined ? [note] : [first, note, ...rest].slice(0, 50),
  };
};
