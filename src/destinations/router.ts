import type { Logger } from "../log.ts";
import { DEFAULT_DESTINATION } from "../routing/routes.ts";
import { DESTINATION_PREFIXES, type Routing } from "../routing/routing.ts";
import type { SendResult } from "../slack/message.ts";
import type { DestinationSendOptions, KindMessage, Sender } from "./kind.ts";
import { kindOf } from "./kinds.ts";

export interface RouterOptions {
  readonly timeoutMs: number;
  readonly log: Logger;
  readonly fetch?: typeof globalThis.fetch | undefined;
  readonly now?: (() => number) | undefined;
}

/**
 * One Sender in front of every destination (src/routing/routing.ts): each send goes to the sender of its
 * `destination`'s kind (src/destinations/kinds.ts), made at its first use. The outbox hands it what it
 * stored (a Notice, or an old entry's Slack message) and the kind formats it. A destination the
 * configuration no longer has (an outbox entry older than a change of ROUTES) is retried with backoff
 * rather than dropped: restoring the variable delivers it.
 */
export const createDestinationRouter = (routing: Routing, options: RouterOptions): Sender => {
  const senders = new Map<string, Sender>();
  return {
    send: async (message: KindMessage, sendOptions: DestinationSendOptions = {}): Promise<SendResult> => {
      const name = sendOptions.destination ?? DEFAULT_DESTINATION;
      const destination = routing.destinations.get(name);
      if (destination === undefined || (destination.kind === "channel" && routing.botToken === null)) {
        const fix = name.startsWith("#")
          ? "SLACK_BOT_TOKEN and a ROUTES rule naming it"
          : `one of ${Object.values(DESTINATION_PREFIXES)
              .map((prefix) => `${prefix}${name}`)
              .join(", ")}`;
        return {
          kind: "retryable",
          reason: `destination ${name} is not configured any more (set ${fix})`,
          status: null,
          retryAfterMs: null,
        };
      }
      let sender = senders.get(name);
      if (sender === undefined) {
        sender = kindOf(destination).connect(destination, {
          timeoutMs: options.timeoutMs,
          log: options.log,
          fetch: options.fetch,
          now: options.now,
          botToken: routing.botToken,
          apiUrl: routing.apiUrl,
        });
        senders.set(name, sender);
      }
      return sender.send(message, sendOptions);
    },
  };
};
