import type { Logger } from "../log.ts";
import type { DryRunShows } from "../routing/routing.ts";
import { discordMessage } from "./discord-embed.ts";
import { jsonDocument } from "./json-document.ts";
import type { Sender } from "./kind.ts";
import { teamsMessage } from "./teams-card.ts";

/**
 * The dry run of a Teams, Discord or JSON destination (its URL set to `dry-run`): the body that kind would
 * receive is written to the log as one JSON line (bounded by the kind's own limits), nothing is sent.
 */
export const showingSender = (name: string, shows: Exclude<DryRunShows, "slack">, log: Logger): Sender => ({
  send: async (message, options = {}) => {
    const id = options.messageId ?? "dry-run";
    const body =
      shows === "teams"
        ? teamsMessage(message)
        : shows === "discord"
          ? discordMessage(message)
          : jsonDocument(message, id);
    log("info", `dry run: ${name} is set to dry-run, message not sent`, {
      destination: name,
      kind: shows,
      body,
    });
    return { kind: "dry_run" };
  },
});
