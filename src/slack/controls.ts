import { type ControlRef, encodeControlRef, encodeStormRef } from "../slack-actions/control-ref.ts";
import { MAX_BLOCKS } from "./blocks.ts";
import type { PlainText, SlackMessage } from "./message.ts";

/**
 * The controls of a failure message in Slack app mode (docs/architecture.md, "Acting from Slack"): Re-run,
 * Mute (1 h, 4 h, 24 h, until green) and "I'm on it". Their `action_id`s are fixed: Slack sends them back
 * to `POST /slack/interactions` (src/slack-actions/handle-interaction.ts). Only with SLACK_SIGNING_SECRET
 * (without it nothing could verify the clicks) and only on channel destinations (a message vigie posted
 * with SLACK_BOT_TOKEN, so that it can reply in its thread and update it).
 * https://docs.slack.dev/reference/block-kit/block-elements/button-element,
 * https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element#static_select
 */
export const ACTION = {
  rerun: "vigie.rerun",
  mute: "vigie.mute",
  ack: "vigie.ack",
  /** On a storm digest: one silence for the sites it names, for an hour. */
  muteStorm: "vigie.mute_storm",
} as const;

/** How long "Mute these sites" silences a storm's sites. */
export const STORM_MUTE_HOURS = 1;

/** The mute durations, as the select's option values (each ≤ 150 characters, as Slack requires). */
export const MUTE_OPTIONS = [
  { value: "1h", label: "for 1 hour" },
  { value: "4h", label: "for 4 hours" },
  { value: "24h", label: "for 24 hours" },
  { value: "green", label: "until it passes" },
] as const;
export type MuteChoice = (typeof MUTE_OPTIONS)[number]["value"];

/** The block_id of the controls' actions block: the handler finds the ref in it for the select. */
export const CONTROLS_BLOCK_ID = "vigie.controls";

export interface ActionButton {
  type: "button";
  text: PlainText;
  action_id: string;
  value: string;
  style?: "primary" | "danger";
}

export interface StaticSelect {
  type: "static_select";
  action_id: string;
  placeholder: PlainText;
  options: Array<{ text: PlainText; value: string }>;
}

export type ControlElement = ActionButton | StaticSelect;

export interface ControlsBlock {
  type: "actions";
  block_id: string;
  elements: ControlElement[];
}

const plain = (text: string): PlainText => ({ type: "plain_text", text, emoji: true });

/**
 * The controls for one episode, or null when its ref does not fit in a button value. Netlify deploys
 * other than production have no Re-run (vigie re-runs only production builds there).
 */
export const controlsBlock = (ref: ControlRef): ControlsBlock | null => {
  const value = encodeControlRef(ref);
  if (value === null) return null;
  const rerunnable = ref.target.source !== "netlify" || ref.target.production;
  return {
    type: "actions",
    block_id: CONTROLS_BLOCK_ID,
    elements: [
      ...(rerunnable
        ? [{ type: "button" as const, text: plain("🔁 Re-run"), action_id: ACTION.rerun, value }]
        : []),
      {
        type: "static_select",
        action_id: ACTION.mute,
        placeholder: plain("🔕 Mute…"),
        options: MUTE_OPTIONS.map((option) => ({ text: plain(option.label), value: option.value })),
      },
      { type: "button", text: plain("🙋 I'm on it"), action_id: ACTION.ack, value },
    ],
  };
};

/**
 * The "Mute these sites" control of a storm digest (one part of a storm: the sites this message names), or
 * null when the list does not fit in a button value. Appended with `withControls` like a failure's.
 */
export const stormControlsBlock = (sites: readonly string[]): ControlsBlock | null => {
  const value = encodeStormRef(sites);
  if (value === null) return null;
  const count = new Set(sites).size;
  return {
    type: "actions",
    block_id: "vigie.storm",
    elements: [
      {
        type: "button",
        text: plain(
          `🔕 Mute ${count === 1 ? "this site" : `these ${count} sites`} for ${STORM_MUTE_HOURS} h`,
        ),
        action_id: ACTION.muteStorm,
        value,
      },
    ],
  };
};

/**
 * A failure message with its controls at the end, for a channel destination (the pipeline decides: Slack
 * app mode with SLACK_SIGNING_SECRET). `Block` (message.ts) types vigie's link buttons; the controls block
 * rides along in the same array on the wire, where Slack reads it as one more actions block.
 */
export const withControls = (message: SlackMessage, controls: ControlsBlock | null): SlackMessage =>
  controls === null || message.blocks.length >= MAX_BLOCKS
    ? message
    : { ...message, blocks: [...message.blocks, controls] };
