import type { LogLevel, Logger as SlackLogger } from "@slack/web-api";
import { fieldOf } from "../field-of.ts";
import { lazyImport } from "../lazy-import.ts";
import type { Logger } from "../log.ts";
import { sameOriginFetch } from "../net/same-origin-fetch.ts";
import { redact as redactText } from "../text/redact.ts";
import {
  logSendFailure,
  MAX_RETRY_AFTER_MS,
  type SendOptions,
  type SendResult,
  SLACK_TIMEOUT_MS,
  type SlackMessage,
  type SlackSender,
} from "./message.ts";

/**
 * Slack app mode: posting with the Web API (`@slack/web-api` WebClient, bot token with `chat:write`), so
 * that a failure message has a `ts` to reply to (`thread_ts`) and to update in place (`chat.update`).
 * https://docs.slack.dev/reference/methods/chat.postMessage, https://docs.slack.dev/reference/methods/chat.update
 *
 * WebClient retries by itself (ten times over about 30 minutes) and waits out 429s by pausing its queue
 * (node_modules/@slack/web-api/dist/WebClient.js, `makeRequest`). Both are off here: `retryConfig:
 * { retries: 0 }` and `rejectRateLimitedCalls: true` make it throw at once (`WebAPIRateLimitedError` with
 * `retryAfter` in seconds), and the outbox retries, across invocations, honouring Retry-After per channel
 * (`rate/slack/<destination>`, the destination being `#<channel>`). Its `timeout` aborts the request (AbortSignal.timeout).
 * Errors are classified like the webhook sender's: `channel_not_found`, `not_in_channel`, `invalid_auth`…
 * are permanent (dead, logged with the fix); 429, 5xx, timeouts and network errors are retryable. Only
 * Slack's own error codes can be permanent: a 200 whose body is not Slack's JSON (a proxy's HTML page, an
 * empty body) reaches us as a "platform error" whose `error` is that text, and is retried with back-off.
 * Every reason is redacted (the bot token, anything token-shaped) before it is logged or returned, so
 * what the outbox stores as `lastError` is already clean.
 * https://docs.slack.dev/reference/methods/chat.postMessage#errors
 */
type WebApiModule = typeof import("@slack/web-api");

/** Loaded at the first post, not at import: most invocations never post, and it weighs (BENCHMARKS.md). */
const loadWebApi = lazyImport(() =>
  import("./web-api-package.ts").then(({ slackWebApiPackage }) => slackWebApiPackage),
);

export interface WebApiSenderOptions {
  /** SLACK_BOT_TOKEN: a secret, never in a reason or a log line. */
  readonly token: string;
  /** SLACK_API_URL, ending with `/`. */
  readonly apiUrl: string;
  /** The channel id, without `#`. */
  readonly channel: string;
  readonly timeoutMs?: number | undefined;
  readonly fetch?: typeof globalThis.fetch | undefined;
  readonly log: Logger;
}

type Failed = Extract<SendResult, { kind: "retryable" | "dead" }>;

/** How Slack's error codes look (`channel_not_found`, `invalid_auth`); anything else is not Slack's. */
const SLACK_ERROR_CODE = /^[a-z][a-z0-9_]{1,79}$/;
/** Slack's answers are small; a bigger one is not Slack's. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** Platform errors worth another try; every other `error` is permanent. */
const TRANSIENT = new Set([
  "ratelimited",
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
]);

/** What to fix for a permanent error. */
export const webApiHint = (error: string, channel: string): string => {
  switch (error) {
    case "channel_not_found":
      return `check the channel id #${channel} in ROUTES: no such channel, or the app cannot see it (a private channel needs the app invited)`;
    case "not_in_channel":
      return `invite the Slack app to #${channel} (/invite @your-app in the channel), or add the chat:write.public scope`;
    case "is_archived":
      return `channel #${channel} is archived: unarchive it or route elsewhere`;
    case "invalid_auth":
    case "not_authed":
    case "token_revoked":
    case "token_expired":
    case "account_inactive":
      return "check SLACK_BOT_TOKEN: it is invalid, revoked or its app was uninstalled";
    case "missing_scope":
      return "add the chat:write scope to the Slack app and reinstall it";
    case "message_not_found":
    case "cant_update_message":
    case "edit_window_closed":
      return "the original message can no longer be updated (deleted, or not posted by this app)";
    default:
      return "Slack refused the call: see the error in https://docs.slack.dev/reference/methods/chat.postMessage#errors";
  }
};

const quietLogger = (log: Logger): SlackLogger => ({
  // WebClient's own lines are not JSON and may name the URL: kept out of the log but at debug level.
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (...messages: unknown[]) =>
    log("debug", "slack web api", { detail: String(messages[0]).slice(0, 200) }),
  setLevel: () => undefined,
  getLevel: () => "error" as LogLevel,
  setName: () => undefined,
});

export const createWebApiSender = (options: WebApiSenderOptions): SlackSender => {
  const { token, channel, log } = options;
  const defaultTimeout = options.timeoutMs ?? SLACK_TIMEOUT_MS;
  const redact = (text: string) => redactText(text, [token]);

  const classify = (error: unknown, lib: WebApiModule | null, timeout: number): Failed => {
    if (lib !== null && error instanceof lib.WebAPIRateLimitedError) {
      const retryAfterMs = Math.min(Math.max(error.retryAfter, 0) * 1000, MAX_RETRY_AFTER_MS);
      return {
        kind: "retryable",
        reason: `http 429: ratelimited (retry after ${error.retryAfter} s)`,
        status: 429,
        retryAfterMs,
      };
    }
    if (lib !== null && error instanceof lib.WebAPIPlatformError) {
      const said: unknown = error.data.error;
      if (typeof said !== "string" || !SLACK_ERROR_CODE.test(said)) {
        const text = typeof said === "string" ? said.replace(/\s+/g, " ").trim() : "";
        return {
          kind: "retryable",
          reason: redact(`answer is not Slack's JSON${text ? `: ${text}` : " (empty)"}`).slice(0, 200),
          status: 200,
          retryAfterMs: null,
        };
      }
      return TRANSIENT.has(said)
        ? { kind: "retryable", reason: said, status: 200, retryAfterMs: null }
        : { kind: "dead", reason: said, status: 200 };
    }
    if (lib !== null && error instanceof lib.WebAPIHTTPError) {
      const reason = redact(`http ${error.statusCode}`);
      return error.statusCode >= 500 || error.statusCode === 408
        ? { kind: "retryable", reason, status: error.statusCode, retryAfterMs: null }
        : { kind: "dead", reason, status: error.statusCode };
    }
    if (lib !== null && error instanceof lib.WebAPIRequestError) {
      const original = error.original;
      const timedOut = original.name === "TimeoutError" || original.name === "AbortError";
      const cause = original.cause instanceof Error ? original.cause : original;
      const code = fieldOf(cause, "code");
      const reason = timedOut
        ? `timeout after ${timeout} ms`
        : `network error: ${code ? `${code} ` : ""}${cause.message}`;
      return {
        kind: "retryable",
        reason: redact(reason).slice(0, 200),
        status: null,
        retryAfterMs: null,
        ...(timedOut ? { timedOut } : {}),
      };
    }
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      kind: "retryable",
      reason: redact(`unexpected error: ${text}`).slice(0, 200),
      status: null,
      retryAfterMs: null,
    };
  };

  const send = async (message: SlackMessage, sendOptions: SendOptions = {}): Promise<SendResult> => {
    const timeout = sendOptions.timeoutMs ?? defaultTimeout;
    let lib: WebApiModule | null = null;
    try {
      lib = await loadWebApi();
      const client = new lib.WebClient(token, {
        slackApiUrl: options.apiUrl,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout,
        logger: quietLogger(log),
        // A method name is never an absolute URL here; keep every call under SLACK_API_URL.
        allowAbsoluteUrls: false,
        // Same origin only, and a bounded answer (src/net/same-origin-fetch.ts).
        fetch: sameOriginFetch({ fetch: options.fetch, maxBytes: MAX_ANSWER_BYTES }),
      });
      const content = { channel, text: message.text, blocks: message.blocks };
      if (sendOptions.updateTs !== undefined) {
        const updated = await client.chat.update({ ...content, ts: sendOptions.updateTs });
        return { kind: "sent", ts: updated.ts ?? sendOptions.updateTs, channel: updated.channel ?? channel };
      }
      const posted = await client.chat.postMessage({
        ...content,
        unfurl_links: message.unfurl_links,
        unfurl_media: message.unfurl_media,
        ...(sendOptions.threadTs === undefined ? {} : { thread_ts: sendOptions.threadTs }),
      });
      return posted.ts === undefined
        ? { kind: "sent" }
        : { kind: "sent", ts: posted.ts, channel: posted.channel ?? channel };
    } catch (error) {
      const result = classify(error, lib, timeout);
      const fields = {
        destination: `#${channel}`,
        method: sendOptions.updateTs === undefined ? "chat.postMessage" : "chat.update",
        status: result.status,
        reason: result.reason,
      };
      logSendFailure(log, result, fields, (dead) => webApiHint(dead.reason, channel));
      return result;
    }
  };
  return { send };
};
