import type { DestinationSendOptions, OutboxMessage, Sender } from "../../src/destinations/kind.ts";
import { formatNotice } from "../../src/slack/format-notice.ts";
import type { SendResult, SlackMessage } from "../../src/slack/message.ts";

/** Slack answers, as the real sender (src/slack/send.ts) classifies them. */
export const slackAnswers = {
  sent: { kind: "sent" },
  serverError: {
    kind: "retryable",
    reason: "Slack answered 500 Internal Server Error",
    status: 500,
    retryAfterMs: null,
  },
  rateLimited: { kind: "retryable", reason: "http 429: rate_limited", status: 429, retryAfterMs: 30_000 },
  channelNotFound: { kind: "dead", reason: "channel_not_found", status: 404 },
} satisfies Record<string, SendResult>;

/**
 * The Slack stand-in of unit tests: records every message it is asked to send (`attempts`, with the
 * timeout it was given) and those it accepted (`messages`), as the Slack messages a Slack destination would
 * format from the outbox's notices (`notices`: what the outbox held); answers from `answers` in order,
 * then `sent`.
 */
export class FakeSlack implements Sender {
  readonly notices: OutboxMessage[] = [];
  readonly options: DestinationSendOptions[] = [];
  readonly attempts: SlackMessage[] = [];
  readonly messages: SlackMessage[] = [];
  readonly answers: SendResult[] = [];
  /** The timeout each attempt was given. */
  readonly timeouts: Array<number | undefined> = [];
  async send(stored: OutboxMessage, options: DestinationSendOptions = {}): Promise<SendResult> {
    const message = formatNotice(stored);
    this.notices.push(stored);
    this.options.push(options);
    this.attempts.push(message);
    this.timeouts.push(options.timeoutMs);
    const answer = this.answers.shift() ?? slackAnswers.sent;
    if (answer.kind === "sent") this.messages.push(message);
    return answer;
  }
}
