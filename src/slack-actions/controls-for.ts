import type { Config } from "../config.ts";
import type { FailureEvent } from "../event.ts";
import { isChannel } from "../routing/routing.ts";
import { type ControlsBlock, controlsBlock } from "../slack/controls.ts";
import { controlRefOf } from "./control-ref.ts";

/**
 * The controls a failure message to `destination` carries (docs/architecture.md, "Acting from Slack"), or
 * null: only with SLACK_SIGNING_SECRET (something must verify the clicks) and SLACK_BOT_TOKEN, and only for a
 * channel destination (`#C…`, a message vigie posts itself, so that it can reply in its thread and update it).
 * The pipeline appends them with `withControls(message, controlsFor(…))` (src/slack/controls.ts).
 */
export const controlsFor = (
  config: Config,
  event: FailureEvent,
  episodeId: string,
  destination: string,
): ControlsBlock | null =>
  config.actions.signingSecrets.length === 0 || config.routing.botToken === null || !isChannel(destination)
    ? null
    : controlsBlock(controlRefOf(event, episodeId));
