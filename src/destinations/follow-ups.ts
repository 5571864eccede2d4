import { type Destination, isChannel, type Routing } from "../routing/routing.ts";
import type { FollowUps } from "./kind.ts";

const NONE: FollowUps = {
  keepsOpening: false,
  replies: false,
  recoveryEdits: false,
  updateOnRecovery: false,
};

/**
 * What each kind of destination can do with an episode's opening message (kind.ts, FollowUps), apart from
 * the kinds themselves so that the pipeline asks without loading any sender: the Slack app replies in the
 * opening's thread and updates it once recovered; Discord's recovery edits it in place; the others post.
 */
export const FOLLOW_UPS: Readonly<Record<Destination["kind"], FollowUps>> = {
  webhook: NONE,
  channel: { keepsOpening: true, replies: true, recoveryEdits: false, updateOnRecovery: true },
  teams: NONE,
  discord: { keepsOpening: true, replies: false, recoveryEdits: true, updateOnRecovery: false },
  json: NONE,
  dry_run: NONE,
};

/**
 * The follow-ups at `destination` (a name of routing.ts). A channel id the configuration no longer has keeps
 * the Slack app's, so that its entries stay threaded if the variable comes back.
 */
export const followUpsOf = (routing: Routing, destination: string): FollowUps => {
  const known = routing.destinations.get(destination);
  if (known !== undefined) return FOLLOW_UPS[known.kind];
  return isChannel(destination) ? FOLLOW_UPS.channel : NONE;
};
