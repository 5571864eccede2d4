/**
 * Small helpers shared by the end-to-end webhook tests (github, netlify, dry-run). Everything that runs
 * a process or a server lives in harness.ts; this file only reads what the harness records.
 */
import { linkButtons, type SlackMessage } from "../../src/slack/message.ts";
import type { SlackRequest, SlackStandIn, Vigie } from "./harness.ts";

export const GITHUB_SECRET = "it-github-secret-0f1e2d3c4b5a";
export const NETLIFY_SECRET = "it-netlify-secret-9a8b7c6d5e4f";
export const GITLAB_TOKEN = "it-gitlab-token-5d4c3b2a1f0e";

/**
 * The environment of a test instance. The storm threshold is raised: a test file opens more than the
 * default 5 episodes within 60 s, and the tests look at single messages, not digests.
 */
export const testEnv = (
  slack: SlackStandIn | null,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> => ({
  GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
  NETLIFY_WEBHOOK_SECRET: NETLIFY_SECRET,
  GITLAB_WEBHOOK_TOKEN: GITLAB_TOKEN,
  ...(slack === null ? {} : { SLACK_WEBHOOK_URL: slack.url }),
  REMINDER_HOURS: "0",
  STORM_THRESHOLD: "1000",
  ...extra,
});

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** The secret part of the stand-in's URL, which must never be logged. */
export const slackPath = (slack: SlackStandIn): string => new URL(slack.url).pathname;

/** Requests whose raw body mentions `text` (a repository or site name unique to one test). */
export const messagesNaming = (slack: SlackStandIn, text: string): SlackRequest[] =>
  slack.messages.filter((message) => message.raw.includes(text));

/** Requests answered 200 whose raw body mentions `text`. */
export const deliveredNaming = (slack: SlackStandIn, text: string): SlackRequest[] =>
  slack.delivered().filter((message) => message.raw.includes(text));

/**
 * Waits `ms`, then returns the requests naming `text`: to be sure no late message (an outbox retry, a
 * second concurrent send) arrives after an answer.
 */
export const settledNaming = async (slack: SlackStandIn, text: string, ms = 250): Promise<SlackRequest[]> => {
  await sleep(ms);
  return messagesNaming(slack, text);
};

/** Waits until at least `count` delivered requests name `text`. */
export const waitForDeliveredNaming = async (
  slack: SlackStandIn,
  text: string,
  count = 1,
  timeoutMs = 15_000,
): Promise<SlackRequest[]> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = deliveredNaming(slack, text);
    if (found.length >= count) return found;
    if (Date.now() > deadline) {
      throw new Error(
        `Slack stand-in: ${count} delivered message(s) naming ${text} not seen within ${timeoutMs} ms; ` +
          `received ${slack.messages.length}: ${slack.messages.map((m) => `${m.status} ${m.raw.slice(0, 120)}`).join("\n")}`,
      );
    }
    await sleep(25);
  }
};

/** The body the stand-in received, as the message vigie built (for validateMessage). */
export const asSlackMessage = (request: SlackRequest | undefined): SlackMessage => {
  if (request?.body === null || request?.body === undefined) throw new Error("not a JSON Slack request");
  return request.body as unknown as SlackMessage;
};

type Block = SlackMessage["blocks"][number];

/** Every text of a message (header, section text, fields, context elements, button texts), joined. */
export const allText = (message: SlackMessage): string =>
  [message.text, ...message.blocks.flatMap(blockTexts)].join("\n");

const blockTexts = (block: Block): string[] => {
  switch (block.type) {
    case "header":
      return [block.text.text];
    case "section":
      return [...(block.text ? [block.text.text] : []), ...(block.fields ?? []).map((field) => field.text)];
    case "context":
      return block.elements.map((element) => element.text);
    case "actions":
      return linkButtons(block).map((element) => `${element.text.text} ${element.url}`);
    default:
      return [];
  }
};

/** The buttons of a message's actions blocks. */
export const buttons = (message: SlackMessage): Array<{ text: string; url: string }> =>
  message.blocks.flatMap((block) =>
    block.type === "actions"
      ? linkButtons(block).map((element) => ({ text: element.text.text, url: element.url }))
      : [],
  );

/** The field texts of a message's section blocks. */
export const fieldTexts = (message: SlackMessage): string[] =>
  message.blocks.flatMap((block) =>
    block.type === "section" ? (block.fields ?? []).map((field) => field.text) : [],
  );

/** The `delivery` log lines (one per request handled) of a delivery id. */
export const deliveryLines = (vigie: Vigie, delivery: string): Array<Record<string, unknown>> =>
  vigie.logLines().filter((line) => line.msg === "delivery" && line.delivery === delivery);

/** The `processed` log lines (what a delivery came to, after the answer) of a delivery id. */
export const processedLines = (vigie: Vigie, delivery: string): Array<Record<string, unknown>> =>
  vigie.logLines().filter((line) => line.msg === "processed" && line.delivery === delivery);
