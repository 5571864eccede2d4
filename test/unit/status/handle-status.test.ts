import { describe, expect, it } from "vitest";
import { failedRunPayload } from "../../../samples/github.ts";
import { loadConfig } from "../../../src/config.ts";
import { memoryLogger } from "../../../src/log.ts";
import { keys } from "../../../src/pipeline/keys.ts";
import { scanStreams } from "../../../src/pipeline/sweep/scan.ts";
import { sweep } from "../../../src/pipeline/sweep.ts";
import { handleStatus } from "../../../src/status/handle-status.ts";
import { statusSummarySchema } from "../../../src/status/status-schema.ts";
import { MemoryStore } from "../../../src/store/memory-store.ts";
import { T0 } from "../clock.ts";
import { slackAnswers } from "../fake-slack.ts";
import { baseEnv, github, netlify, webhookHarness } from "../support.ts";

const TOKEN = "status-token-0123456789";
const env = { ...baseEnv, VIGIE_STATUS_TOKEN: TOKEN };
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

const call = async (
  headers: Record<string, string>,
  options: { env?: Record<string, string | undefined>; store?: MemoryStore; method?: string } = {},
) => {
  const logs = memoryLogger();
  const store = options.store ?? new MemoryStore();
  const response = await handleStatus(
    new Request("https://vigie.example/status", { method: options.method ?? "GET", headers }),
    { env: options.env ?? env, log: logs.log, store: () => store },
  );
  return { response, text: await response.text(), logs, store };
};

describe("GET /status: who may read it", () => {
  it("is off (404) while VIGIE_STATUS_TOKEN is unset, without touching the store", async () => {
    const { response, store } = await call(
      { authorization: `Bearer ${TOKEN}` },
      { env: { ...baseEnv, VIGIE_STATUS_TOKEN: undefined } },
    );
    expect(response.status).toBe(404);
    expect(store.calls).toEqual({ get: 0, set: 0, delete: 0, list: 0 });
  });

  it.each<[string, Record<string, string>]>([
    ["no Authorization", {}],
    ["a wrong bearer token", { authorization: "Bearer nope" }],
    ["a bearer token with a suffix", { authorization: `Bearer ${TOKEN}x` }],
    ["Basic with a wrong password", { authorization: basic("ops", "nope") }],
    ["Basic with the token as user name", { authorization: basic(TOKEN, "") }],
    ["another scheme", { authorization: `Token ${TOKEN}` }],
  ])("%s → 401 with WWW-Authenticate: Basic, store untouched", async (_, headers) => {
    const { response, store, logs } = await call(headers);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Basic /);
    expect(store.calls).toEqual({ get: 0, set: 0, delete: 0, list: 0 });
    expect(logs.text()).not.toContain(TOKEN);
  });

  it.each<[string, Record<string, string>]>([
    ["a bearer token", { authorization: `Bearer ${TOKEN}` }],
    ["Basic with the token as password (a browser)", { authorization: basic("anyone", TOKEN) }],
  ])("%s → 200", async (_, headers) => {
    const { response, logs } = await call({ ...headers, accept: "application/json" });
    expect(response.status).toBe(200);
    expect(logs.text()).not.toContain(TOKEN);
  });

  it("answers JSON that doctor's schema reads (one schema for both ends)", async () => {
    const { response, text } = await call({ authorization: `Bearer ${TOKEN}`, accept: "application/json" });
    expect(response.status).toBe(200);
    expect(statusSummarySchema.safeParse(JSON.parse(text)).success).toBe(true);
  });

  it("answers 405 to a POST", async () => {
    const { response } = await call({ authorization: `Bearer ${TOKEN}` }, { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toContain("GET");
  });

  it("answers 503 when the store is unreachable", async () => {
    const store = new MemoryStore();
    store.fail = true;
    const { response } = await call({ authorization: `Bearer ${TOKEN}` }, { store });
    expect(response.status).toBe(503);
  });
});

describe("GET /status: what it says", () => {
  it("reports configuration (names only), outbox waiting and dead, open episodes and the last sweep", async () => {
    // Real state, made by the webhook route: one failure sent, one dead (channel_not_found), one waiting (Slack 500).
    const h = webhookHarness({ ...env, REMINDER_HOURS: "abc" });
    h.slack.answers.push(slackAnswers.sent, slackAnswers.channelNotFound, slackAnswers.serverError);
    await h.post((await github.signed(github.failure())).request(), github.source);
    await h.post((await netlify.signed(netlify.failure())).request(), netlify.source);
    await h.post((await github.signed(failedRunPayload({ workflowId: 2002 }))).request(), github.source);
    // The open index is the sweep's (its scan of the streams).
    await scanStreams(h.deps.pipeline(loadConfig(env)), Date.now() + 25_000);

    const before = await call(
      { authorization: `Bearer ${TOKEN}`, accept: "application/json" },
      { store: h.store, env: { ...env, REMINDER_HOURS: "abc" } },
    );
    const report = JSON.parse(before.text);
    expect(report).toMatchObject({
      config: { valid: false, problems: ["REMINDER_HOURS"] },
      outbox: { waiting: 1, dead: 1, total: 3, truncated: false },
      episodes: { open: 3, truncated: false },
      sweep: { lastRunAt: null },
    });
    expect(report.episodes.list).toHaveLength(3);
    expect(report.episodes.list[0]).toEqual({
      stream: expect.any(String),
      site: expect.any(String),
      source: expect.stringMatching(/^(github|netlify)$/),
      branch: "main",
      workflow: expect.any(String),
      since: expect.any(String),
      failedRuns: 1,
      lastFailureAt: expect.any(String),
      failed: {
        outcome: expect.any(String),
        detail: expect.toBeOneOf([null, expect.any(String)]),
        jobs: [],
      },
      signature: null,
      logsUrl: expect.stringMatching(/^https:/),
      slackUrl: null,
    });
    expect(report.outbox.deadMessages).toEqual([
      expect.objectContaining({
        reason: expect.stringContaining("channel_not_found"),
        advice: expect.any(String),
      }),
    ]);
    expect(before.text).not.toContain("abc");

    h.advance(60_000);
    await sweep(h.deps.pipeline(loadConfig(h.deps.env)));
    expect((await h.store.get(keys.sweepStatus))?.value).toMatchObject({ v: 1, at: expect.any(Number) });
    const after = JSON.parse(
      (await call({ authorization: `Bearer ${TOKEN}`, accept: "application/json" }, { store: h.store })).text,
    );
    // The harness clock: T0 plus the minute advanced.
    expect(after.sweep.lastRunAt).toBe(new Date(T0 + 60_000).toISOString());
  });

  it("answers a browser with a readable page of the same data", async () => {
    const h = webhookHarness(env);
    await h.post((await github.signed(github.failure())).request(), github.source);
    await scanStreams(h.deps.pipeline(loadConfig(env)), Date.now() + 25_000);
    const { response, text } = await call(
      { authorization: basic("", TOKEN), accept: "text/html" },
      { store: h.store },
    );
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(text).toContain("1 open episode");
    expect(text).toContain("Configuration valid");
    expect(text).toContain("The sweep has never run");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(response.headers.get("content-security-policy")).not.toMatch(/script-src|unsafe-inline/);
  });
});

describe("GET /status: a dry run, the filter, the explain route", () => {
  it("says dryRun in the JSON without SLACK_WEBHOOK_URL, and false with it", async () => {
    const dry = await call(
      { authorization: `Bearer ${TOKEN}`, accept: "application/json" },
      { env: { ...env, SLACK_WEBHOOK_URL: undefined } },
    );
    expect(JSON.parse(dry.text)).toMatchObject({ dryRun: true, config: { valid: true } });
    const live = await call({ authorization: `Bearer ${TOKEN}`, accept: "application/json" });
    expect(JSON.parse(live.text)).toMatchObject({ dryRun: false });
  });

  it("filters the board's lists from the query string; the form may submit to the page only", async () => {
    const h = webhookHarness(env);
    await h.post((await github.signed(failedRunPayload({ repo: "acme/shop" }))).request(), github.source);
    await h.post((await github.signed(failedRunPayload({ repo: "acme/blog" }))).request(), github.source);
    await scanStreams(h.deps.pipeline(loadConfig(env)), Date.now() + 25_000);
    const response = await handleStatus(
      new Request("https://vigie.example/status?site=shop&source=github", {
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
      { env, log: memoryLogger().log, store: () => h.store },
    );
    const page = await response.text();
    expect(page).toContain("Broken now: 2 open episodes");
    expect(page).toContain("The filter shows 1 of them.");
    expect(page).toContain("acme/shop");
    expect(page).not.toContain("acme/blog");
    expect(response.headers.get("content-security-policy")).toContain("form-action 'self'");
  });

  it("GET /status/explain needs a site (400), and the token like the board", async () => {
    const store = new MemoryStore();
    const ask = (url: string, headers: Record<string, string>) =>
      handleStatus(new Request(url, { headers }), { env, log: memoryLogger().log, store: () => store });
    expect(
      (await ask("https://vigie.example/status/explain", { authorization: `Bearer ${TOKEN}` })).status,
    ).toBe(400);
    expect((await ask("https://vigie.example/status/explain?site=x", {})).status).toBe(401);
    const answer = await ask("https://vigie.example/status/explain?site=x", {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(await answer.json()).toMatchObject({ site: "x", streams: [] });
  });
});
