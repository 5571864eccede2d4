import type { LogFields, Logger } from "../log.ts";
import type { ControlsBlock } from "./controls.ts";

/**
 * The Slack incoming-webhook payload vigie sends (Block Kit + fallback text). Only the block shapes vigie
 * uses are typed. https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks
 */
export interface PlainText {
  type: "plain_text";
  text: string;
  emoji?: boolean;
}
export interface Mrkdwn {
  type: "mrkdwn";
  text: string;
}
export type TextObject = PlainText | Mrkdwn;

export type Block =
  | { type: "header"; text: PlainText }
  | { type: "section"; text?: TextObject; fields?: TextObject[] }
  | { type: "context"; elements: TextObject[] }
  | { type: "divider" }
  | { type: "actions"; elements: LinkButton[] }
  /** The episode's controls (re-run, mute, acknowledge: src/slack/controls.ts), in Slack app mode only. */
  | ControlsBlock;

/** A button that opens a URL: vigie's own links (the run, the diff, the board). */
export interface LinkButton {
  type: "button";
  text: PlainText;
  url: string;
  action_id?: string;
}

/** The links of an actions block; a controls block has none (its elements act, they open nothing). */
export const linkButtons = (block: Extract<Block, { type: "actions" }>): LinkButton[] =>
  block.elements.flatMap((element) => ("url" in element ? [element] : []));

export interface SlackMessage {
  /** Plain-text fallback, shown in notifications and by clients without Block Kit. */
  text: string;
  blocks: Block[];
  unfurl_links: false;
  unfurl_media: false;
}

/**
 * The longest wait a Retry-After may impose: a longer one (a misbehaving proxy) is taken as this, so that
 * a message is tried again by the sweep, not parked for a week.
 */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/** What a send came to; the outbox branches on it. */
export type SendResult =
  /** `ts` and `channel`: the posted message, when the Slack app posted it (threads, updates). */
  | { kind: "sent"; ts?: string; channel?: string }
  | { kind: "dry_run" }
  /** 5xx, timeout, network error, or 429 (then `retryAfterMs` from Retry-After, ≤ MAX_RETRY_AFTER_MS). */
  | {
      kind: "retryable";
      reason: string;
      status: number | null;
      retryAfterMs: number | null;
      /** No answer within the timeout: Slack may still post it (then a retry is a duplicate). */
      timedOut?: boolean;
    }
  /** 4xx such as channel_not_found: retrying cannot help. */
  | { kind: "dead"; reason: string; status: number };

export interface SendOptions {
  /** This post's timeout, when the caller has more (or less) time than the sender's default. */
  readonly timeoutMs?: number;
  /** Where it goes (a name of src/routing/routing.ts); absent: `default`. */
  readonly destination?: string;
  /** Slack app only: post as a reply in the thread of this message (`thread_ts`). */
  readonly threadTs?: string;
  /** Slack app only: replace this message in place (`chat.update`) instead of posting a new one. */
  readonly updateTs?: string;
}

/** How long a post may take before the answer (the sweep gives Slack longer: src/pipeline/deliver.ts). */
export const SLACK_TIMEOUT_MS = 5_000;

export interface SlackSender {
  send(message: SlackMessage, options?: SendOptions): Promise<SendResult>;
}

/**
 * The one log line of a send that failed: an error naming the fix when the message is dead (it will not
 * be retried), a warning when the outbox will retry it. Shared by the webhook and Web API senders.
 */
export const logSendFailure = (
  log: Logger,
  result: Extract<SendResult, { kind: "retryable" | "dead" }>,
  fields: LogFields,
  hint: (dead: Extract<SendResult, { kind: "dead" }>) => string,
): void => {
  if (result.kind === "dead") {
    log("error", "slack rejected the message; it will not be retried", { ...fields, hint: hint(result) });
  } else {
    log("warn", "slack send failed, the outbox will retry", { ...fields, retryAfterMs: result.retryAfterMs });
  }
};
