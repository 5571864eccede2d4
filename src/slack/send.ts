import type { FetchFunction } from "@slack/webhook";
import { fieldOf } from "../field-of.ts";
import { lazyImport } from "../lazy-import.ts";
import type { Logger } from "../log.ts";
import type { MessageFormat } from "../routing/routing.ts";
import { oneLine } from "../text/one-line.ts";
import { redact as redactTokens } from "../text/redact.ts";
import { toAttachments } from "./attachments.ts";
import { httpUrl } from "./escape.ts";
import {
  linkButtons,
  logSendFailure,
  MAX_RETRY_AFTER_MS,
  type SendOptions,
  type SendResult,
  SLACK_TIMEOUT_MS,
  type SlackMessage,
  type SlackSender,
} from "./message.ts";

/**
 * Posting to the incoming webhook with `@slack/webhook` v8, and turning what happened into a `SendResult`.
 *
 * The library gives us the request (JSON body, Content-Type, `redirect: "error"`), the timeout (an
 * `AbortSignal.timeout` per attempt, covering the body too) and typed errors: `IncomingWebhookHTTPError`
 * carries `statusCode` and `body`, `IncomingWebhookRequestError` the network error or the timeout as
 * `original`. It does not expose response headers, so `Retry-After` of a 429 would be lost: we hand it a
 * `fetch` that records that header on its way through (the library documents `fetch` as injectable).
 * Its own retries stay off (`retries: 0` is its default): the outbox retries, with backoff, across
 * invocations, and GitHub must get its answer within 10 s.
 * https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks#handling-errors
 */
/** Slack is given 5 s: with the store round trips, GitHub still gets its answer well within 10 s. */
export { SLACK_TIMEOUT_MS };
/** Retry-After missing or unreadable. */
export const DEFAULT_RETRY_AFTER_MS = 1_000;
const REASON_MAX = 200;

type Failed = Extract<SendResult, { kind: "retryable" | "dead" }>;
type SlackWebhookModule = typeof import("@slack/webhook");

/**
 * @slack/webhook is loaded at the first send, not at import: most invocations (ignored deliveries) never
 * post, and every function invocation may be a cold start (BENCHMARKS.md). A failed load is retried.
 */
const loadSlackWebhook = lazyImport(() =>
  import("./webhook-package.ts").then(({ slackWebhookPackage }) => slackWebhookPackage),
);

export interface SlackSenderOptions {
  /** The incoming webhook URL. A secret: it never appears in a reason or a log line. */
  readonly url: string;
  readonly timeoutMs?: number | undefined;
  readonly fetch?: typeof globalThis.fetch | undefined;
  readonly log: Logger;
  /** For Retry-After given as an HTTP date. */
  readonly now?: (() => number) | undefined;
  /** "attachments": Slack's legacy attachments instead of Block Kit, for Mattermost (attachments.ts). */
  readonly format?: MessageFormat | undefined;
  /** Named in log lines and hints: `default` or the NAME of SLACK_WEBHOOK_URL_<NAME>. */
  readonly destination?: string | undefined;
}

/** Seconds (Slack's form) or an HTTP date; anything else, or nothing, is the default. */
export const parseRetryAfter = (header: string | null, now: number): number => {
  const value = header?.trim() ?? "";
  let ms: number | null = null;
  if (/^\d+(\.\d+)?$/.test(value)) ms = Math.ceil(Number(value) * 1000);
  else if (/[a-z]/i.test(value) && !Number.isNaN(Date.parse(value)))
    ms = Math.max(0, Date.parse(value) - now);
  return ms === null || !Number.isFinite(ms) ? DEFAULT_RETRY_AFTER_MS : Math.min(ms, MAX_RETRY_AFTER_MS);
};

/** Removes the webhook URL, and its secret path alone, from any text we did not write ourselves. */
const redactor = (url: string): ((text: string) => string) => {
  const secrets = new Set<string>([url]);
  try {
    const parsed = new URL(url);
    secrets.add(parsed.href);
    if (parsed.pathname.length > 1) secrets.add(`${parsed.pathname}${parsed.search}`);
    if (parsed.pathname.length > 1) secrets.add(parsed.pathname);
  } catch {
    // An unparsable URL is refused by createSlackSender; the whole string is still redacted above.
  }
  const ordered = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((acc, secret) => acc.replaceAll(secret, "[webhook url]"), text);
};

/** One line, bounded, with anything token-shaped masked: what Slack said is provider text. */
const bound = (text: string): string => {
  return oneLine(redactTokens(text), REASON_MAX, "utf-16");
};

/** Node's fetch says "fetch failed" and puts the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`. */
const networkReason = (error: Error): string => {
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = fieldOf(cause, "code");
    return `network error: ${code ? `${code} ` : ""}${cause.message}`.trim();
  }
  return `network error: ${error.message}`;
};

const isTimeout = (error: Error): boolean => error.name === "TimeoutError" || error.name === "AbortError";

/**
 * A refused post by its status, for every destination kind: 5xx and 408 → retryable (Retry-After honoured
 * when given); 429 → retryable after Retry-After; any other status (Slack's invalid_payload,
 * action_prohibited, channel_not_found, channel_is_archived, no_service…) → dead: retrying cannot help.
 */
export const classifyStatus = (
  status: number,
  reason: string,
  retryAfter: string | null,
  now: number,
): Failed => {
  if (status === 429)
    return { kind: "retryable", reason, status, retryAfterMs: parseRetryAfter(retryAfter, now) };
  // 408: the server gave up waiting for our request; trying again is what it asks for.
  if (status >= 500 || status === 408) {
    return {
      kind: "retryable",
      reason,
      status,
      retryAfterMs: retryAfter === null ? null : parseRetryAfter(retryAfter, now),
    };
  }
  return { kind: "dead", reason, status };
};

const classifyHttp = (status: number, body: string, retryAfter: string | null, now: number): Failed =>
  classifyStatus(status, bound(`http ${status}${body.trim() === "" ? "" : `: ${body}`}`), retryAfter, now);

/** What an operator should check about a dead message. */
const hint = (status: number, variable: string): string => {
  if (status === 400)
    return "Slack refused the message itself (invalid_payload, invalid_blocks): a formatting bug?";
  if (status === 403 || status === 404 || status === 410) {
    return `check ${variable}: the webhook was revoked, or its channel deleted or archived`;
  }
  return "Slack refused the request";
};

export const createSlackSender = (options: SlackSenderOptions): SlackSender => {
  const { url, log } = options;
  const timeoutMs = options.timeoutMs ?? SLACK_TIMEOUT_MS;
  const baseFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  if (httpUrl(url) === null) {
    // Misuse, not an outcome: config validates SLACK_WEBHOOK_URL. The value is a secret, so not shown.
    throw new TypeError("createSlackSender: url must be an http(s) URL (value not shown, it is a secret)");
  }
  if (!(timeoutMs > 0)) {
    // @slack/webhook treats 0 as "no timeout"; a send must never outlive GitHub's 10 s.
    throw new RangeError(`createSlackSender: timeoutMs must be positive, got ${timeoutMs}`);
  }
  const redact = redactor(url);
  const destination = options.destination ?? "default";
  const variable = destination === "default" ? "SLACK_WEBHOOK_URL" : `SLACK_WEBHOOK_URL_${destination}`;
  const payload = (message: SlackMessage) =>
    options.format === "attachments"
      ? toAttachments(message)
      : {
          text: message.text,
          blocks: message.blocks,
          unfurl_links: message.unfurl_links,
          unfurl_media: message.unfurl_media,
        };

  const send = async (message: SlackMessage, sendOptions: SendOptions = {}): Promise<SendResult> => {
    const timeout = sendOptions.timeoutMs ?? timeoutMs;
    // One webhook client per send, so that the Retry-After recorded belongs to this request only.
    let retryAfter: string | null = null;
    const recordingFetch: FetchFunction = async (input, init) => {
      const response = await baseFetch(input, init);
      retryAfter = response.headers.get("retry-after");
      return response;
    };
    const started = now();
    let lib: SlackWebhookModule | null = null;
    try {
      lib = await loadSlackWebhook();
      const webhook = new lib.IncomingWebhook(url, { fetch: recordingFetch, timeout });
      const { text } = await webhook.send(payload(message));
      log("debug", "slack message sent", {
        durationMs: now() - started,
        ...(text === "ok" ? {} : { body: bound(redact(text)) }),
      });
      return { kind: "sent" };
    } catch (error) {
      const result = classify(error, retryAfter, lib, timeout);
      const fields = {
        destination,
        status: result.status,
        reason: result.reason,
        durationMs: now() - started,
      };
      logSendFailure(log, result, fields, (dead) => hint(dead.status, variable));
      return result;
    }
  };

  const classify = (
    error: unknown,
    retryAfter: string | null,
    lib: SlackWebhookModule | null,
    timeout: number,
  ): Failed => {
    if (lib !== null && error instanceof lib.IncomingWebhookHTTPError) {
      return classifyHttp(error.statusCode, redact(error.body), retryAfter, now());
    }
    if (lib !== null && error instanceof lib.IncomingWebhookRequestError) {
      const timedOut = isTimeout(error.original);
      const reason = timedOut ? `timeout after ${timeout} ms` : networkReason(error.original);
      return {
        kind: "retryable",
        reason: bound(redact(reason)),
        status: null,
        retryAfterMs: null,
        ...(timedOut ? { timedOut } : {}),
      };
    }
    // Not expected from the library; treated as transient so that nothing is lost.
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      kind: "retryable",
      reason: bound(redact(`unexpected error: ${text}`)),
      status: null,
      retryAfterMs: null,
    };
  };

  return { send };
};

/** Slack mrkdwn as a person reads it in a terminal: `<url|text>` → `text (url)`, entities decoded. */
const plainText = (mrkdwn: string): string =>
  mrkdwn
    .replace(/<([^|>]+)\|([^>]+)>/g, "$2 ($1)")
    .replace(/<([^>]+)>/g, "$1")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/**
 * A message as a short block of text for the dry run's reader: where it would go, then its header,
 * sections, fields (what failed), context and buttons, one line each.
 */
export const readableMessage = (message: SlackMessage, destination: string): string => {
  const lines: string[] = [];
  for (const block of message.blocks) {
    switch (block.type) {
      case "header":
      case "section":
        if (block.text) lines.push(plainText(block.text.text));
        if (block.type === "section")
          for (const field of block.fields ?? []) lines.push(plainText(field.text).replace(/\n/, ": "));
        break;
      case "context":
        lines.push(...block.elements.map((element) => plainText(element.text)));
        break;
      case "actions":
        lines.push(...linkButtons(block).map((button) => `[${button.text.text}] ${button.url}`));
        break;
      case "divider":
        break;
    }
  }
  if (lines.length === 0) lines.push(plainText(message.text));
  const body = lines.flatMap((line) => line.split("\n")).map((line) => `│ ${line}`);
  return [`┌ dry run → ${destination} (not sent: SLACK_WEBHOOK_URL is unset)`, ...body, "└"].join("\n");
};

export interface DryRunOptions {
  /** Also put the Block Kit JSON in the log line (`npm start -- --blocks`, VIGIE_DRY_RUN_BLOCKS=true). */
  readonly blocks?: boolean;
  /** Where the readable block goes (the terminal of `npm start`). */
  readonly write?: (text: string) => void;
}

/**
 * SLACK_WEBHOOK_URL unset: nothing is sent. The message is printed as a short readable block, and the
 * log gets one JSON line (its text and destination; its Block Kit JSON only when asked).
 */
export const createDryRunSender = (
  log: Logger,
  options: DryRunOptions = { blocks: process.env.VIGIE_DRY_RUN_BLOCKS === "true" },
): SlackSender => {
  const write = options.write ?? ((text: string) => void process.stdout.write(`${text}\n`));
  return {
    send: async (message, sendOptions = {}) => {
      const destination = sendOptions.destination ?? "default";
      write(readableMessage(message, destination));
      log("info", "dry run: SLACK_WEBHOOK_URL is unset, message not sent", {
        destination,
        text: message.text,
        ...(options.blocks ? { blocks: message.blocks } : {}),
      });
      return { kind: "dry_run" };
    },
  };
};
