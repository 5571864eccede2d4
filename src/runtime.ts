import { type Config, loadConfig } from "./config.ts";
import type { WebhookDeps } from "./http/handle-webhook.ts";
import { createLogger, type Logger } from "./log.ts";
import type { PipelineDeps } from "./pipeline/pipeline.ts";
import type { SlackSender } from "./slack/message.ts";
import { createDryRunSender, createSlackSender } from "./slack/send.ts";
import { BlobsStore } from "./store/blobs-store.ts";
import type { Store } from "./store/store.ts";

/** Slack is given 5 s: with the store round trips, GitHub still gets its answer well within 10 s. */
export const SLACK_TIMEOUT_MS = 5_000;
/** A little over one second: Slack accepts ≈1 message/s per webhook beyond short bursts. */
export const SLACK_INTERVAL_MS = 1_100;

const log: Logger = createLogger();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let store: Store | null = null;
let sender: { url: string | null; sender: SlackSender } | null = null;

const slackFor = (config: Config): SlackSender => {
  if (sender?.url !== config.slackWebhookUrl) {
    sender = {
      url: config.slackWebhookUrl,
      sender:
        config.slackWebhookUrl === null
          ? createDryRunSender(log)
          : createSlackSender({ url: config.slackWebhookUrl, timeoutMs: SLACK_TIMEOUT_MS, log }),
    };
  }
  return sender.sender;
};

/** Pipeline dependencies for this process: Netlify Blobs from the function's environment, real Slack. */
export const pipelineDeps = (config: Config): PipelineDeps => {
  store ??= BlobsStore.open();
  return {
    config,
    store,
    slack: slackFor(config),
    log,
    now: Date.now,
    sleep,
    slackIntervalMs: SLACK_INTERVAL_MS,
    slackTimeoutMs: SLACK_TIMEOUT_MS,
  };
};

/** What the function files hand to the domain. Nothing here runs at import time but the logger. */
export const webhookDeps = (): WebhookDeps => ({
  env: process.env,
  log,
  now: Date.now,
  pipeline: pipelineDeps,
});

export { loadConfig, log };
