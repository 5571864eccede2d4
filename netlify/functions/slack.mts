import type { Config, Context } from "@netlify/functions";
import { handleInteraction } from "../../src/slack-actions/handle-interaction.ts";
import { interactionDeps } from "../../src/slack-actions/interaction-deps.ts";

/** Slack's interactivity requests: the Re-run, Mute and "I'm on it" controls. Off without SLACK_SIGNING_SECRET. */
export default async (req: Request, context: Context): Promise<Response> =>
  handleInteraction(req, interactionDeps(context));

// No `method` here: the route itself answers 405 with `Allow: POST` (docs/architecture.md).
export const config: Config = { path: "/slack/interactions" };
