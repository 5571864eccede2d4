import type { Destination } from "../routing/routing.ts";
import { discordKind } from "./discord-kind.ts";
import { jsonKind } from "./json-kind.ts";
import type { DestinationKind } from "./kind.ts";
import { dryRunKind, mattermostKind, slackAppKind, slackWebhookKind } from "./slack-kinds.ts";
import { teamsKind } from "./teams-kind.ts";

/** The kind of a destination (src/destinations/kind.ts). */
export const kindOf = (destination: Destination): DestinationKind => {
  switch (destination.kind) {
    case "webhook":
      return destination.format === "attachments" ? mattermostKind : slackWebhookKind;
    case "channel":
      return slackAppKind;
    case "teams":
      return teamsKind;
    case "discord":
      return discordKind;
    case "json":
      return jsonKind;
    case "dry_run":
      return dryRunKind;
  }
};
