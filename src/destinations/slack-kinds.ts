import type { Destination } from "../routing/routing.ts";
import { toAttachments } from "../slack/attachments.ts";
import { formatNotice } from "../slack/format-notice.ts";
import type { SlackSender } from "../slack/message.ts";
import { createDryRunSender, createSlackSender } from "../slack/send.ts";
import { createWebApiSender } from "../slack/web-api-send.ts";
import { showingSender } from "./dry-run-kinds.ts";
import { FOLLOW_UPS } from "./follow-ups.ts";
import type { DestinationKind, Sender } from "./kind.ts";

/**
 * The Slack kinds: each formats a notice as a Slack message (src/slack/format-notice.ts) at send time and
 * hands it to the Slack sender of src/slack/ (which posts and classifies Slack's answer). An outbox entry
 * written before notices holds a Slack message already, and goes as it is.
 */
type Webhook = Extract<Destination, { kind: "webhook" }>;
type Channel = Extract<Destination, { kind: "channel" }>;
type DryRun = Extract<Destination, { kind: "dry_run" }>;

const formatting = (sender: SlackSender): Sender => ({
  send: (message, options = {}) => sender.send(formatNotice(message), options),
});

const SLACK_LIMITS = "Block Kit: ≤ 50 blocks, section text 3,000, header 150; digests ≤ 12,000 characters";

const webhookSender: DestinationKind<Webhook>["connect"] = (destination, deps) =>
  formatting(
    createSlackSender({
      url: destination.url,
      timeoutMs: deps.timeoutMs,
      log: deps.log,
      format: destination.format,
      destination: destination.name,
      fetch: deps.fetch,
      now: deps.now,
    }),
  );

export const slackWebhookKind: DestinationKind<Webhook> = {
  id: "slack-webhook",
  limits: SLACK_LIMITS,
  followUps: FOLLOW_UPS.webhook,
  format: (message) => formatNotice(message),
  connect: webhookSender,
};

/** Mattermost (and other Slack-compatible hooks): Slack's legacy attachments (src/slack/attachments.ts). */
export const mattermostKind: DestinationKind<Webhook> = {
  id: "mattermost",
  limits: "Slack's legacy attachments, Markdown escaped",
  followUps: FOLLOW_UPS.webhook,
  format: (message) => toAttachments(formatNotice(message)),
  connect: webhookSender,
};

/** A channel through the Slack app: threads for reminders and the recovery, the opening updated in place. */
export const slackAppKind: DestinationKind<Channel> = {
  id: "slack-app",
  limits: SLACK_LIMITS,
  followUps: FOLLOW_UPS.channel,
  format: (message) => formatNotice(message),
  connect: (destination, deps) =>
    formatting(
      createWebApiSender({
        // Routing makes a channel destination only with SLACK_BOT_TOKEN set; without one Slack answers
        // not_authed, a dead send that says so.
        token: deps.botToken ?? "",
        apiUrl: deps.apiUrl ?? "https://slack.com/api/",
        channel: destination.channel,
        timeoutMs: deps.timeoutMs,
        log: deps.log,
        fetch: deps.fetch,
      }),
    ),
};

/**
 * `default` without SLACK_WEBHOOK_URL: the Slack message is printed in the log, nothing is sent. A named
 * destination set to `dry-run` (`TEAMS_WEBHOOK_URL_OPS=dry-run`) prints what its kind would receive
 * (`shows`, dry-run-kinds.ts).
 */
export const dryRunKind: DestinationKind<DryRun> = {
  id: "dry-run",
  limits: "nothing is sent",
  followUps: FOLLOW_UPS.dry_run,
  format: (message) => formatNotice(message),
  connect: (destination, deps) =>
    destination.shows === undefined || destination.shows === "slack"
      ? formatting(createDryRunSender(deps.log))
      : showingSender(destination.name, destination.shows, deps.log),
};
