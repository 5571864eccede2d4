import { boolean, object, optional, string } from "zod/mini";
import type { Logger } from "../log.ts";

/**
 * The three Web API calls the controls answer with, through SLACK_API_URL with SLACK_BOT_TOKEN
 * (`chat:write`): a reply in the failure message's thread (chat.postMessage with `thread_ts`), the
 * message updated in place (chat.update), and a word only the clicker sees (chat.postEphemeral).
 * https://docs.slack.dev/reference/methods/chat.postMessage, https://docs.slack.dev/reference/methods/chat.update,
 * https://docs.slack.dev/reference/methods/chat.postEphemeral
 * Plain fetch, JSON bodies, a short timeout, no retry (a lost reply is logged; the action itself is done).
 * The token goes to SLACK_API_URL only and never follows a redirect; Slack's answers are parsed.
 */
export interface SlackReplies {
  thread(channel: string, threadTs: string, text: string): Promise<boolean>;
  update(channel: string, ts: string, text: string, blocks: readonly unknown[]): Promise<boolean>;
  ephemeral(channel: string, user: string, text: string): Promise<boolean>;
}

const answerSchema = object({ ok: boolean(), error: optional(string()) });

export const REPLY_TIMEOUT_MS = 5_000;

export const createSlackReplies = (options: {
  readonly token: string;
  /** Ends with `/`. */
  readonly apiUrl: string;
  readonly log: Logger;
  readonly fetch?: typeof globalThis.fetch;
  readonly timeoutMs?: number;
}): SlackReplies => {
  const call = async (method: string, body: Record<string, unknown>): Promise<boolean> => {
    try {
      const response = await (options.fetch ?? fetch)(`${options.apiUrl}${method}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${options.token}`,
          "content-type": "application/json; charset=utf-8",
        },
        body: JSON.stringify(body),
        redirect: "manual",
        signal: AbortSignal.timeout(options.timeoutMs ?? REPLY_TIMEOUT_MS),
      });
      const parsed = answerSchema.safeParse(await response.json().catch(() => null));
      if (response.ok && parsed.success && parsed.data.ok) return true;
      options.log("error", "slack refused the reply to a control", {
        method,
        status: response.status,
        error: parsed.success ? (parsed.data.error ?? "unknown").slice(0, 60) : "unreadable answer",
        hint: "check SLACK_BOT_TOKEN (chat:write) and that the app is in the channel",
      });
      return false;
    } catch (error) {
      options.log("error", "slack could not be reached to reply to a control", {
        method,
        error: error instanceof Error ? error.name : "unknown",
      });
      return false;
    }
  };
  return {
    thread: (channel, threadTs, text) =>
      call("chat.postMessage", {
        channel,
        thread_ts: threadTs,
        text,
        unfurl_links: false,
        unfurl_media: false,
      }),
    update: (channel, ts, text, blocks) => call("chat.update", { channel, ts, text, blocks }),
    ephemeral: (channel, user, text) => call("chat.postEphemeral", { channel, user, text }),
  };
};
