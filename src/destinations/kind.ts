import type { Logger } from "../log.ts";
import type { Destination } from "../routing/routing.ts";
import type { SendOptions, SendResult, SlackMessage } from "../slack/message.ts";
import type { HttpAnswer } from "./http-post.ts";
import type { Notice, TestNotice } from "./notice.ts";

/**
 * A destination kind (docs/architecture.md, "Destinations"): how one kind of receiver is written to. The
 * pipeline, the outbox and the sweep never know which kind a destination is: they store a Notice, send it
 * to a destination by name (src/destinations/router.ts), and ask `followUps` what the later messages of an
 * episode may do with its opening message.
 */
export type KindId = "slack-webhook" | "mattermost" | "slack-app" | "teams" | "discord" | "json" | "dry-run";

/** What an outbox entry holds: a Notice, or (entries written before notices) a formatted Slack message. */
export type OutboxMessage = Notice | SlackMessage;

/** What a kind formats and sends: what an outbox entry holds, or a test notice (sent directly, never stored). */
export type KindMessage = OutboxMessage | TestNotice;

export interface DestinationSendOptions extends SendOptions {
  /**
   * The outbox entry's id: the message's idempotency key, the same at every retry (the JSON kind's
   * `webhook-id`, so that receivers can deduplicate).
   */
  readonly messageId?: string;
}

export interface Sender {
  send(message: KindMessage, options?: DestinationSendOptions): Promise<SendResult>;
}

/**
 * What the messages after an episode's opening can do with it where it went. The sender of a kind that
 * `keepsOpening` answers `sent` with the posted message's id (`ts`) and where it is (`channel`); the
 * pipeline keeps them (`threads/<opening id>`) and hands them back as `threadTs` (or `updateTs`).
 */
export interface FollowUps {
  /** The opening's id is kept. */
  readonly keepsOpening: boolean;
  /** Reminders and the recovery reply to the opening (a Slack app thread). */
  readonly replies: boolean;
  /** The recovery is given the opening, and rewrites it in place (Discord's PATCH) instead of posting. */
  readonly recoveryEdits: boolean;
  /** Once recovered, a separate "update" message rewrites the opening in place (Slack's chat.update). */
  readonly updateOnRecovery: boolean;
}

export interface ConnectDeps {
  readonly timeoutMs: number;
  readonly log: Logger;
  readonly fetch?: typeof globalThis.fetch | undefined;
  readonly now?: (() => number) | undefined;
  /** Slack app mode: SLACK_BOT_TOKEN (a secret) and SLACK_API_URL. */
  readonly botToken?: string | null | undefined;
  readonly apiUrl?: string | undefined;
}

export interface DestinationKind<D extends Destination = Destination> {
  readonly id: KindId;
  /** The kind's limits, in words (docs, `npm run route`). */
  readonly limits: string;
  readonly followUps: FollowUps;
  /**
   * What a destination of this kind receives for `message`: the request body, formatted within the kind's
   * limits and escaped for its markup (the dry run, `npm run send -- --show`, render-messages, tests).
   * `messageId` as in DestinationSendOptions.
   */
  format(message: KindMessage, messageId?: string): unknown;
  /**
   * What an HTTP answer of this kind's receiver means (kinds that speak plain HTTP: Teams, Discord, JSON).
   * The Slack kinds classify inside src/slack/, from the errors of Slack's own packages.
   */
  readonly classify?: (answer: HttpAnswer, url: string, now: number) => SendResult;
  /**
   * The sender of one destination of this kind: formats, posts, classifies the answer, and edits the opening
   * in place when the kind can (`followUps`, with `threadTs` / `updateTs`).
   */
  connect(destination: D, deps: ConnectDeps): Sender;
}
