import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { memoryLogger } from "../../../src/log.ts";
import type { SlackMessage } from "../../../src/slack/message.ts";
import { createWebApiSender } from "../../../src/slack/web-api-send.ts";
import { startWebApiStandIn, type WebApiStandIn, webApiReply } from "../../fixtures/slack-web-api.ts";

const TOKEN = "xoxb-0000-secret-bot-token";
const message: SlackMessage = {
  text: "❌ Build failed: acme/site-1",
  blocks: [
    { type: "header", text: { type: "plain_text", text: "❌ Build failed: acme/site-1", emoji: true } },
  ],
  unfurl_links: false,
  unfurl_media: false,
};

let api: WebApiStandIn;
beforeAll(async () => {
  api = await startWebApiStandIn();
});
afterAll(async () => api.close());
beforeEach(() => {
  api.calls.length = 0;
  api.setRespond(null);
});

const sender = (logs = memoryLogger(), url = api.url) =>
  createWebApiSender({ token: TOKEN, apiUrl: url, channel: "C0123ABCD", timeoutMs: 2_000, log: logs.log });

describe("createWebApiSender", () => {
  it("posts with chat.postMessage and returns the message's ts; replies in a thread; updates in place", async () => {
    const send = sender();
    const posted = await send.send(message);
    expect(posted).toEqual({ kind: "sent", ts: "1700000000.000001", channel: "C0123ABCD" });
    expect(api.calls[0]).toMatchObject({
      method: "chat.postMessage",
      authorization: `Bearer ${TOKEN}`,
      channel: "C0123ABCD",
      text: message.text,
      blocks: message.blocks,
      threadTs: null,
    });
    await send.send(message, { threadTs: "1700000000.000001" });
    expect(api.calls[1]).toMatchObject({ method: "chat.postMessage", threadTs: "1700000000.000001" });
    expect(await send.send(message, { updateTs: "1700000000.000001" })).toMatchObject({ kind: "sent" });
    expect(api.calls[2]).toMatchObject({ method: "chat.update", ts: "1700000000.000001", threadTs: null });
  });

  it("429 is retryable after Retry-After, once: WebClient's own retries are off", async () => {
    api.setRespond(() => webApiReply.rateLimited(7));
    const result = await sender().send(message);
    expect(result).toMatchObject({ kind: "retryable", status: 429, retryAfterMs: 7_000 });
    expect(api.calls).toHaveLength(1);
  });

  it.each([
    ["channel_not_found", "check the channel id #C0123ABCD in ROUTES"],
    ["not_in_channel", "invite the Slack app to #C0123ABCD"],
    ["invalid_auth", "check SLACK_BOT_TOKEN"],
    ["missing_scope", "chat:write"],
  ])("%s is permanent (dead), logged with the fix, without the token", async (error, hint) => {
    const logs = memoryLogger();
    api.setRespond(() => webApiReply.error(error));
    expect(await sender(logs).send(message)).toEqual({ kind: "dead", reason: error, status: 200 });
    expect(api.calls).toHaveLength(1);
    const line = logs.lines.find((l) => l.msg === "slack rejected the message; it will not be retried");
    expect(line).toMatchObject({
      reason: error,
      destination: "#C0123ABCD",
      hint: expect.stringContaining(hint),
    });
    expect(logs.text()).not.toContain(TOKEN);
  });

  it("internal_error is retryable; a closed port is a retryable network error", async () => {
    api.setRespond(() => webApiReply.error("internal_error"));
    expect(await sender().send(message)).toMatchObject({ kind: "retryable", reason: "internal_error" });
    const closed = await sender(memoryLogger(), "http://127.0.0.1:9/api/").send(message);
    expect(closed).toMatchObject({
      kind: "retryable",
      status: null,
      reason: expect.stringContaining("network error"),
    });
    expect(JSON.stringify(closed)).not.toContain(TOKEN);
  });
});

describe("createWebApiSender: answers that are not Slack's", () => {
  /** The real stand-in's request, answered by what a proxy in front of Slack might say. */
  const answering = (body: string, contentType: string) =>
    createWebApiSender({
      token: TOKEN,
      apiUrl: api.url,
      channel: "C0123ABCD",
      timeoutMs: 2_000,
      log: memoryLogger().log,
      fetch: async (input, init) => {
        await fetch(input, init);
        return new Response(body, { status: 200, headers: { "content-type": contentType } });
      },
    });

  it.each([
    ["an HTML page", "<html><body>502 Bad Gateway</body></html>", "text/html"],
    ["an empty body", "", "application/json"],
    ["JSON that is not Slack's", '{"status":"maintenance"}', "application/json"],
  ])("a 200 with %s is retryable, not dead", async (_, body, contentType) => {
    const result = await answering(body, contentType).send(message);
    expect(result).toMatchObject({ kind: "retryable", status: 200 });
    expect(result.kind === "retryable" && result.reason).toMatch(/^answer is not Slack's JSON/);
  });

  it("Slack's error text is redacted before it is logged or returned (what the outbox stores)", async () => {
    const logs = memoryLogger();
    api.setRespond(() => webApiReply.error(`invalid_auth for ${TOKEN}`));
    const result = await sender(logs).send(message);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    expect(JSON.stringify(result)).toContain("[redacted]");
    expect(logs.text()).not.toContain(TOKEN);
    // Another workspace's token, not ours, is masked all the same.
    api.setRespond(() => webApiReply.error("invalid_auth: xoxp-1111-2222-abcdef"));
    expect(JSON.stringify(await sender(logs).send(message))).not.toContain("xoxp-1111");
  });

  it("a redirect is never followed with the token", async () => {
    const result = await createWebApiSender({
      token: TOKEN,
      apiUrl: api.url,
      channel: "C0123ABCD",
      timeoutMs: 2_000,
      log: memoryLogger().log,
      fetch: async () =>
        new Response(null, { status: 302, headers: { location: "http://127.0.0.1:9/steal" } }),
    }).send(message);
    expect(result).toMatchObject({ kind: "retryable", status: null });
  });
});
