import type { Logger } from "../log.ts";
import { DEFAULT_DESTINATION } from "../routing/routes.ts";
import type { Destination, Routing } from "../routing/routing.ts";
import type { SendOptions, SendResult, SlackMessage, SlackSender } from "./message.ts";
import { createDryRunSender, createSlackSender } from "./send.ts";
import { createWebApiSender } from "./web-api-send.ts";

export interface RouterOptions {
  readonly timeoutMs: number;
  readonly log: Logger;
  readonly fetch?: typeof globalThis.fetch | undefined;
}

/**
 * One SlackSender in front of every destination (src/routing/routing.ts): each send goes to the sender
 * of its `destination` (an incoming webhook, a channel through the Slack app, or the dry run), made at
 * its first use. A destination the configuration no longer has (an outbox entry older than a change of
 * ROUTES) is retried with backoff rather than dropped: restoring the variable delivers it.
 */
export const createSlackRouter = (routing: Routing, options: RouterOptions): SlackSender => {
  const senders = new Map<string, SlackSender>();
  const make = (destination: Destination): SlackSender => {
    const { log, timeoutMs } = options;
    switch (destination.kind) {
      case "dry_run":
        return createDryRunSender(log);
      case "webhook":
        return createSlackSender({
          url: destination.url,
          timeoutMs,
          log,
          format: destination.format,
          destination: destination.name,
          fetch: options.fetch,
        });
      case "channel":
        return createWebApiSender({
          token: routing.botToken as string,
          apiUrl: routing.apiUrl,
          channel: destination.channel,
          timeoutMs,
          log,
          fetch: options.fetch,
        });
    }
  };
  return {
    send: async (message: SlackMessage, sendOptions: SendOptions = {}): Promise<SendResult> => {
      const name = sendOptions.destination ?? DEFAULT_DESTINATION;
      const destination = routing.destinations.get(name);
      if (destination === undefined || (destination.kind === "channel" && routing.botToken === null)) {
        const fix = name.startsWith("#")
          ? "SLACK_BOT_TOKEN and a ROUTES rule naming it"
          : `SLACK_WEBHOOK_URL_${name}`;
        return {
          kind: "retryable",
          reason: `destination ${name} is not configured any more (set ${fix})`,
          status: null,
          retryAfterMs: null,
        };
      }
      let sender = senders.get(name);
      if (sender === undefined) {
        sender = make(destination);
        senders.set(name, sender);
      }
      return sender.send(message, sendOptions);
    },
  };
};
