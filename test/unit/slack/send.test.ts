import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../../../src/log.ts";
import { MAX_RETRY_AFTER_MS, type SlackMessage } from "../../../src/slack/message.ts";
import {
  createDryRunSender,
  createSlackSender,
  DEFAULT_RETRY_AFTER_MS,
  parseRetryAfter,
} from "../../../src/slack/send.ts";

/** The secret part of a Slack webhook URL; it must never show up in a reason or a log line. */
const SECRET = "T0000SECRET/B0000SECRET/XXXXsecretTOKENxxxx";

const message: SlackMessage = {
  text: "❌ Build failed: acme/site-1",
  blocks: [
    { type: "header", text: { type: "plain_text", text: "❌ Build failed: acme/site-1", emoji: true } },
  ],
  unfurl_links: false,
  unfurl_media: false,
};

interface Received {
  method: string | undefined;
  path: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** A stand-in for hooks.slack.com: the last path segment says how to answer. */
const answers: Record<string, { status: number; body: string; headers?: Record<string, string> }> = {
  ok: { status: 200, body: "ok" },
  "server-error": { status: 500, body: "rollup_error" },
  unavailable: { status: 503, body: "service unavailable" },
  "rate-limited": { status: 429, body: "rate_limited", headers: { "Retry-After": "3" } },
  "rate-limited-bare": { status: 429, body: "rate_limited" },
  "rate-limited-junk": { status: 429, body: "rate_limited", headers: { "Retry-After": "soon" } },
  "channel-not-found": { status: 404, body: "channel_not_found" },
  "channel-archived": { status: 410, body: "channel_is_archived" },
  "invalid-payload": { status: 400, body: "invalid_payload" },
  prohibited: { status: 403, body: "action_prohibited" },
  "no-service": { status: 404, body: "no_service" },
  teapot: { status: 418, body: "" },
  "request-timeout": { status: 408, body: "" },
  "long-body": { status: 400, body: `invalid_blocks ${"x".repeat(5000)}` },
};

let server: Server;
let base: string;
let closedPortUrl: string;
const received: Received[] = [];

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await readBody(req);
    received.push({ method: req.method, path: req.url, contentType: req.headers["content-type"], body });
    const name = req.url?.split("/").at(-1) ?? "";
    if (name === "hang") return; // never answers
    if (name === "echo-url") {
      // A misbehaving proxy that repeats the request URL in its error body.
      res.writeHead(404).end(`channel_not_found at http://${req.headers.host}${req.url} (${req.url})`);
      return;
    }
    const answer = answers[name] ?? { status: 500, body: `unknown case ${name}` };
    res.writeHead(answer.status, { "Content-Type": "text/plain", ...answer.headers }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/${SECRET}`;

  // A port that was open a moment ago and is closed now: connection refused.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  closedPortUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/services/${SECRET}/ok`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const sendTo = async (path: string, timeoutMs = 2000) => {
  const logger = memoryLogger();
  const url = `${base}/${path}`;
  const result = await createSlackSender({ url, timeoutMs, log: logger.log }).send(message);
  const reason = "reason" in result ? result.reason : "";
  // The webhook URL is a secret: never in a reason, never in a log line.
  expect(reason).not.toContain(SECRET);
  expect(reason).not.toContain("XXXXsecretTOKEN");
  expect(logger.text()).not.toContain("XXXXsecretTOKEN");
  return { result, logger };
};

describe("createSlackSender against a local HTTP server", () => {
  it("a destination flagged attachments (Mattermost) gets attachments with a text fallback, no blocks", async () => {
    const before = received.length;
    const logger = memoryLogger();
    const sender = createSlackSender({
      url: `${base}/ok`,
      log: logger.log,
      format: "attachments",
      destination: "MM",
    });
    expect(await sender.send(message)).toEqual({ kind: "sent" });
    const body = JSON.parse(received[before]?.body ?? "{}");
    expect(body.blocks).toBeUndefined();
    expect(body.text).toBe(message.text);
    expect(body.attachments).toEqual([
      { fallback: message.text, color: "#e01e5a", title: "❌ Build failed: acme/site-1" },
    ]);
  });

  it("posts the message as JSON and reports 200 ok as sent", async () => {
    const before = received.length;
    const { result } = await sendTo("ok");
    expect(result).toEqual({ kind: "sent" });
    const request = received[before];
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe(`/services/${SECRET}/ok`);
    expect(request?.contentType).toBe("application/json");
    expect(JSON.parse(request?.body ?? "")).toEqual(message);
  });

  it.each([
    ["server-error", 500, "http 500: rollup_error"],
    ["unavailable", 503, "http 503: service unavailable"],
    ["request-timeout", 408, "http 408"],
  ])("%s → retryable", async (path, status, reason) => {
    const { result, logger } = await sendTo(path);
    expect(result).toEqual({ kind: "retryable", status, reason, retryAfterMs: null });
    expect(logger.lines.at(-1)).toMatchObject({ level: "warn", status, reason });
  });

  it.each([
    ["rate-limited", 3000],
    ["rate-limited-bare", DEFAULT_RETRY_AFTER_MS],
    ["rate-limited-junk", DEFAULT_RETRY_AFTER_MS],
  ])("%s → retryable after Retry-After (%i ms)", async (path, retryAfterMs) => {
    const { result } = await sendTo(path);
    expect(result).toEqual({
      kind: "retryable",
      status: 429,
      reason: "http 429: rate_limited",
      retryAfterMs,
    });
  });

  it.each([
    ["channel-not-found", 404, "http 404: channel_not_found"],
    ["channel-archived", 410, "http 410: channel_is_archived"],
    ["invalid-payload", 400, "http 400: invalid_payload"],
    ["prohibited", 403, "http 403: action_prohibited"],
    ["no-service", 404, "http 404: no_service"],
    ["teapot", 418, "http 418"],
  ])("%s → dead", async (path, status, reason) => {
    const { result, logger } = await sendTo(path);
    expect(result).toEqual({ kind: "dead", status, reason });
    expect(logger.lines.at(-1)).toMatchObject({ level: "error", status, reason });
    expect(String(logger.lines.at(-1)?.hint)).toMatch(
      status === 418 ? /refused/ : /SLACK_WEBHOOK_URL|formatting/,
    );
  });

  it("bounds the body in the reason to 200 characters", async () => {
    const { result } = await sendTo("long-body");
    expect(result.kind).toBe("dead");
    expect("reason" in result && result.reason.length).toBeLessThanOrEqual(200);
    expect("reason" in result && result.reason.startsWith("http 400: invalid_blocks x")).toBe(true);
  });

  it("removes the webhook URL from a body that repeats it", async () => {
    const { result } = await sendTo("echo-url");
    expect(result).toMatchObject({ kind: "dead", status: 404 });
    expect("reason" in result && result.reason).toContain("[webhook url]");
  });

  it("gives up on a server that never answers after timeoutMs", async () => {
    // The answer itself says the 200 ms timer fired: no wall-clock bound to flake on a loaded machine.
    const { result } = await sendTo("hang", 200);
    expect(result).toEqual({
      kind: "retryable",
      status: null,
      reason: "timeout after 200 ms",
      retryAfterMs: null,
      timedOut: true,
    });
  });

  it("reports a refused connection as retryable, naming the error code", async () => {
    const logger = memoryLogger();
    const result = await createSlackSender({ url: closedPortUrl, log: logger.log }).send(message);
    expect(result).toMatchObject({ kind: "retryable", status: null, retryAfterMs: null });
    expect("reason" in result && result.reason).toMatch(/^network error: ECONNREFUSED/);
    expect("reason" in result && result.reason).not.toContain(SECRET);
    expect(logger.text()).not.toContain(SECRET);
  });

  it("uses an injected fetch", async () => {
    const calls: string[] = [];
    const fetch: typeof globalThis.fetch = async (input, init) => {
      calls.push(String(input));
      return globalThis.fetch(input, init);
    };
    const result = await createSlackSender({ url: `${base}/ok`, fetch, log: memoryLogger().log }).send(
      message,
    );
    expect(result).toEqual({ kind: "sent" });
    expect(calls).toEqual([`${base}/ok`]);
  });

  it("refuses a timeout that would disable the timeout", () => {
    expect(() => createSlackSender({ url: `${base}/ok`, timeoutMs: 0, log: memoryLogger().log })).toThrow(
      RangeError,
    );
  });

  it("refuses a URL that is not http(s), without repeating it", () => {
    expect(() => createSlackSender({ url: `ftp://x/${SECRET}`, log: memoryLogger().log })).toThrow(
      /http\(s\)/,
    );
    expect(() => createSlackSender({ url: `ftp://x/${SECRET}`, log: memoryLogger().log })).not.toThrow(
      /SECRET/,
    );
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2024-05-01T10:00:00Z");
  it.each([
    ["3", 3000],
    ["0", 0],
    ["1.5", 1500],
    [" 30 ", 30_000],
    ["999999", MAX_RETRY_AFTER_MS],
    ["Wed, 01 May 2024 10:00:10 GMT", 10_000],
    ["Wed, 01 May 2024 09:00:00 GMT", 0],
    ["-1", DEFAULT_RETRY_AFTER_MS],
    ["soon", DEFAULT_RETRY_AFTER_MS],
    ["", DEFAULT_RETRY_AFTER_MS],
    [null, DEFAULT_RETRY_AFTER_MS],
  ])("%j → %i ms", (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});

describe("createDryRunSender", () => {
  it("prints a readable block, logs the text as one JSON line (Block Kit only when asked) and sends nothing", async () => {
    const logger = memoryLogger();
    const printed: string[] = [];
    const result = await createDryRunSender(logger.log, { write: (text) => printed.push(text) }).send(
      message,
      {
        destination: "THEMES",
      },
    );
    expect(result).toEqual({ kind: "dry_run" });
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({ level: "info", text: message.text, destination: "THEMES" });
    expect(logger.lines[0]).not.toHaveProperty("blocks");
    expect(printed).toHaveLength(1);
    expect(printed[0]?.split("\n")[0]).toBe("┌ dry run → THEMES (not sent: SLACK_WEBHOOK_URL is unset)");
    const withBlocks = memoryLogger();
    await createDryRunSender(withBlocks.log, { blocks: true, write: () => {} }).send(message);
    expect(withBlocks.lines[0]).toMatchObject({ destination: "default", blocks: message.blocks });
  });
});
