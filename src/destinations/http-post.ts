import { fieldOf } from "../field-of.ts";
import type { Logger } from "../log.ts";
import type { SendResult } from "../slack/message.ts";
import { classifyStatus } from "../slack/send.ts";
import { oneLine } from "../text/one-line.ts";

/**
 * One HTTP request of a destination kind that speaks plain HTTP (Teams, Discord, JSON): JSON body, an
 * explicit timeout, redirects refused (a webhook URL carries its token: it never follows a redirect to
 * another host), and every outcome as a value. The URL is a secret: it is redacted from every reason.
 */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export type Failed = Extract<SendResult, { kind: "retryable" | "dead" }>;

const REASON_MAX = 200;
/** Answers are read up to this size: a reason is bounded anyway, and Discord's message is small. */
const BODY_MAX = 65_536;

/** Removes the URL, its path and its query from text that came from elsewhere. */
export const redactUrl = (url: string, text: string): string => {
  const secrets = new Set([url]);
  try {
    const parsed = new URL(url);
    secrets.add(parsed.href);
    if (parsed.pathname.length > 1) secrets.add(parsed.pathname);
    if (parsed.search.length > 1) secrets.add(parsed.search);
  } catch {
    // Config refuses unparsable URLs; the whole string is still redacted.
  }
  return [...secrets]
    .filter((secret) => secret.length > 0)
    .sort((a, b) => b.length - a.length)
    .reduce((acc, secret) => acc.replaceAll(secret, "[webhook url]"), text);
};

export const boundReason = (text: string): string => oneLine(text, REASON_MAX, "utf-16");

export type Posted = { readonly kind: "answer"; readonly answer: HttpAnswer } | Failed;

/** Sends one request; a network error or a timeout is a retryable result (a timeout says so). */
export const request = async (
  url: string,
  init: { method: "POST" | "PATCH"; body: string; headers?: Record<string, string> },
  options: { timeoutMs: number; fetch?: typeof globalThis.fetch | undefined },
): Promise<Posted> => {
  const doFetch = options.fetch ?? globalThis.fetch;
  try {
    const response = await doFetch(url, {
      method: init.method,
      body: init.body,
      headers: { "content-type": "application/json", ...init.headers },
      redirect: "error",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await response.text();
    return {
      kind: "answer",
      answer: { status: response.status, headers: response.headers, text: text.slice(0, BODY_MAX) },
    };
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    if (name === "TimeoutError" || name === "AbortError") {
      return {
        kind: "retryable",
        reason: `timeout after ${options.timeoutMs} ms`,
        status: null,
        retryAfterMs: null,
        timedOut: true,
      };
    }
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const code = fieldOf(cause, "code");
    const message = cause instanceof Error ? cause.message : String(cause);
    return {
      kind: "retryable",
      reason: boundReason(redactUrl(url, `network error: ${code ? `${code} ` : ""}${message}`)),
      status: null,
      retryAfterMs: null,
    };
  }
};

/**
 * The common reading of an answer: 2xx sent; 429 retryable after Retry-After; 408 and 5xx retryable; any
 * other status (400, 401, 403, 404, 410…) a permanent refusal: dead, with the reason. Kinds refine it.
 */
export const classifyAnswer = (answer: HttpAnswer, url: string, now: number): SendResult => {
  const { status, text } = answer;
  if (status >= 200 && status < 300) return { kind: "sent" };
  const reason = boundReason(redactUrl(url, `http ${status}${text.trim() === "" ? "" : `: ${text}`}`));
  return classifyStatus(status, reason, answer.headers.get("retry-after"), now);
};

/** The log line of a send that did not go out, naming the variable to check when it is dead. */
export const logFailure = (log: Logger, result: Failed, destination: string, variable: string): void => {
  const fields = { destination, status: result.status, reason: result.reason };
  if (result.kind === "dead") {
    const hint =
      result.status === 400
        ? "the receiver refused the message itself: a formatting bug?"
        : `check ${variable}: the webhook was deleted, or its URL or secret is wrong`;
    log("error", "destination refused the message; it will not be retried", { ...fields, hint });
  } else {
    log("warn", "send failed, the outbox will retry", { ...fields, retryAfterMs: result.retryAfterMs });
  }
};
