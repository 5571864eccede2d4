import { number, object, optional, string } from "zod/mini";
import type { Destination } from "../routing/routing.ts";
import { MAX_RETRY_AFTER_MS, type SendResult } from "../slack/message.ts";
import { parseRetryAfter } from "../slack/send.ts";
import { discordMessage } from "./discord-embed.ts";
import { FOLLOW_UPS } from "./follow-ups.ts";
import { classifyAnswer, type HttpAnswer, logFailure, request } from "./http-post.ts";
import type { DestinationKind } from "./kind.ts";
import { isNotice } from "./notice.ts";

type Discord = Extract<Destination, { kind: "discord" }>;

/**
 * Discord webhooks (https://discord.com/developers/docs/resources/webhook#execute-webhook): posted with
 * `?wait=true`, so that the answer is the message, whose `id` is kept (the opening of an episode); the
 * recovery then edits that message in place (`PATCH …/messages/{id}`) to say it recovered and how long it
 * was broken. A recovery whose opening is unknown, or was deleted (10008 Unknown Message), is posted.
 */
const messageSchema = object({ id: string(), channel_id: optional(string()) });
const rateLimitSchema = object({ retry_after: number() });
const errorSchema = object({ code: number() });

const UNKNOWN_MESSAGE = 10008;

const json = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

/**
 * 2xx sent (with the message's id and channel when the answer has them); 429 not before the longer of
 * `retry_after` (JSON, seconds) and Retry-After; 404 Unknown Webhook, 401 Invalid Webhook Token, 403 and
 * 400 dead at once; 5xx retried.
 */
export const classifyDiscordAnswer = (answer: HttpAnswer, url: string, now: number): SendResult => {
  const common = classifyAnswer(answer, url, now);
  if (common.kind === "sent") {
    const posted = messageSchema.safeParse(json(answer.text));
    return posted.success
      ? { kind: "sent", ts: posted.data.id, channel: posted.data.channel_id ?? "discord" }
      : { kind: "sent" };
  }
  if (common.kind === "retryable" && answer.status === 429) {
    const body = rateLimitSchema.safeParse(json(answer.text));
    const fromBody = body.success && body.data.retry_after >= 0 ? Math.ceil(body.data.retry_after * 1000) : 0;
    const header = answer.headers.get("retry-after");
    const fromHeader = header === null ? 0 : parseRetryAfter(header, now);
    return { ...common, retryAfterMs: Math.min(MAX_RETRY_AFTER_MS, Math.max(fromBody, fromHeader, 1_000)) };
  }
  return common;
};

/** The webhook URL with `wait=true` (other parameters, like `thread_id`, kept). */
export const postUrl = (url: string): string => {
  const target = new URL(url);
  target.searchParams.set("wait", "true");
  return target.href;
};

/** The URL of one of the webhook's messages. */
export const messageUrl = (url: string, id: string): string => {
  const target = new URL(url);
  target.pathname = `${target.pathname.replace(/\/+$/, "")}/messages/${encodeURIComponent(id)}`;
  target.searchParams.delete("wait");
  return target.href;
};

export const discordKind: DestinationKind<Discord> = {
  id: "discord",
  limits: "content ≤ 2,000 characters, ≤ 10 embeds, ≤ 6,000 characters of embed text; mentions never parsed",
  classify: classifyDiscordAnswer,
  followUps: FOLLOW_UPS.discord,
  format: (message) => discordMessage(message),
  connect: (destination, deps) => {
    const now = deps.now ?? Date.now;
    const variable = `DISCORD_WEBHOOK_URL_${destination.name}`;
    return {
      send: async (message, options = {}) => {
        const timeoutMs = options.timeoutMs ?? deps.timeoutMs;
        const opening = options.updateTs ?? options.threadTs;
        const edits = opening !== undefined && isNotice(message) && message.notice === "recovery";
        let result: SendResult | null = null;
        if (edits) {
          const patched = await request(
            messageUrl(destination.url, opening),
            { method: "PATCH", body: JSON.stringify(discordMessage(message, true)) },
            { timeoutMs, fetch: deps.fetch },
          );
          const unknown =
            patched.kind === "answer" &&
            patched.answer.status === 404 &&
            errorSchema.safeParse(json(patched.answer.text)).data?.code === UNKNOWN_MESSAGE;
          if (unknown) deps.log("info", "discord: the failure message is gone; the recovery is posted", {});
          else
            result =
              patched.kind === "answer"
                ? classifyDiscordAnswer(patched.answer, destination.url, now())
                : patched;
          // An edit answers with the edited message: it is not a new opening.
          if (result?.kind === "sent") result = { kind: "sent" };
        }
        if (result === null) {
          const posted = await request(
            postUrl(destination.url),
            { method: "POST", body: JSON.stringify(discordMessage(message)) },
            { timeoutMs, fetch: deps.fetch },
          );
          result =
            posted.kind === "answer" ? classifyDiscordAnswer(posted.answer, destination.url, now()) : posted;
        }
        if (result.kind === "retryable" || result.kind === "dead") {
          logFailure(deps.log, result, destination.name, variable);
        }
        return result;
      },
    };
  },
};
