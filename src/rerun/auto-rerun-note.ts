import { contextBlock } from "../slack/blocks.ts";
import type { SlackMessage } from "../slack/message.ts";

/**
 * The line a failure message gains when an automatic re-run failed too (docs/architecture.md, "Automatic
 * re-runs"): whoever reads it knows a retry was already tried. Added under the header.
 */
export const withAutoRerunNote = (message: SlackMessage, rule: number): SlackMessage => {
  const note = contextBlock([`🔁 Failed again after an automatic re-run (AUTO_RERUN rule ${rule})`]);
  if (note === null) return message;
  const [first, ...rest] = message.blocks;
  return {
    ...message,
    text: `${message.text} (failed again after an automatic re-run)`,
    blocks: first === undefined ? [note] : [first, note, ...rest].slice(0, 50),
  };
};
