/**
 * Where messages go, end to end (docs/architecture.md, "Where messages go"): the REAL functions in
 * Netlify's local runtime, four local webhook stand-ins (default, THEMES, OPS, and DEAD, which answers
 * every post 404 channel_not_found) and a local stand-in for the Slack Web API (chat.postMessage with a
 * ts, chat.update, 429) behind SLACK_API_URL for a channel reached with SLACK_BOT_TOKEN.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failedRunPayload, runPayload } from "../../samples/github.ts";
import { failedDeploy } from "../../samples/netlify.ts";
import { startWebApiStandIn, type WebApiStandIn, webApiReply } from "../fixtures/slack-web-api.ts";
import {
  postGithub,
  postNetlify,
  type SlackStandIn,
  slackReply,
  startSlackStandIn,
  startVigie,
  type Vigie,
} from "./harness.ts";
import {
  GITHUB_SECRET,
  messagesNaming,
  NETLIFY_SECRET,
  settledNaming,
  testEnv,
  waitForDeliveredNaming,
} from "./support.ts";

const BOT_TOKEN = "xoxb-it-routing-0000-secretbot";
const CHANNEL = "C0APPS001";

describe("routing to several destinations (real functions, webhook and Web API stand-ins)", () => {
  let main: SlackStandIn;
  let themes: SlackStandIn;
  let ops: SlackStandIn;
  let dead: SlackStandIn;
  let mattermost: SlackStandIn;
  let api: WebApiStandIn;
  let vigie: Vigie;
  let runId = 7_400_000_000;

  const fail = (repo: string, options: Parameters<typeof failedRunPayload>[0] = {}) =>
    postGithub(vigie.url, failedRunPayload({ repo, runId: ++runId, ...options }), { secret: GITHUB_SECRET });
  const pass = (repo: string, options: Parameters<typeof runPayload>[0] = {}) =>
    postGithub(
      vigie.url,
      runPayload({ repo, runId: ++runId, updatedAt: "2024-05-01T13:00:00Z", ...options }),
      {
        secret: GITHUB_SECRET,
      },
    );
  const all = () => [main, themes, ops, dead, mattermost];

  beforeAll(async () => {
    [main, themes, ops, dead, mattermost, api] = await Promise.all([
      startSlackStandIn(),
      startSlackStandIn(),
      startSlackStandIn(),
      startSlackStandIn({ respond: () => slackReply.channelNotFound() }),
      startSlackStandIn(),
      startWebApiStandIn(),
    ]);
    vigie = await startVigie({
      env: testEnv(main, {
        SLACK_WEBHOOK_URL_THEMES: themes.url,
        SLACK_WEBHOOK_URL_OPS: ops.url,
        SLACK_WEBHOOK_URL_DEAD: dead.url,
        SLACK_WEBHOOK_URL_MM: mattermost.url,
        SLACK_WEBHOOK_FORMAT_MM: "attachments",
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_API_URL: api.url,
        // Globs that backtracked as regular expressions: seconds (BRANCHES) to hours (ROUTES) per run.
        BRANCHES: "main,deploy-preview/**,release-*-*-*-*-*",
        ROUTES: [
          "site:**a**a**a**a**a**a**a**b -> OPS",
          "site:rt-org/theme-* -> THEMES, OPS",
          "branch:deploy-preview/** -> none",
          `site:rt-org/app-* -> #${CHANNEL}`,
          "site:rt-org/gone-* -> DEAD, OPS",
          "source:netlify -> MM",
        ].join("; "),
        SLACK_MENTIONS: "rt-pusher=U0PUSHER1",
      }),
    });
  });

  afterAll(async () => {
    await vigie?.dispose();
    await Promise.all([...all(), api].map((standIn) => standIn?.close()));
  });

  it("each site's failure reaches exactly its routed channels", async () => {
    expect(await fail("rt-org/theme-blue")).toMatchObject({ status: 200, json: { status: "notified" } });
    expect(await fail("rt-org/blog")).toMatchObject({ status: 200, json: { status: "notified" } });
    await waitForDeliveredNaming(themes, "rt-org/theme-blue");
    await waitForDeliveredNaming(ops, "rt-org/theme-blue");
    await waitForDeliveredNaming(main, "rt-org/blog");
    expect(await settledNaming(themes, "rt-org/theme-blue")).toHaveLength(1);
    expect(messagesNaming(ops, "rt-org/theme-blue")).toHaveLength(1);
    expect(messagesNaming(main, "rt-org/theme-blue")).toHaveLength(0);
    for (const other of [themes, ops, dead]) expect(messagesNaming(other, "rt-org/blog")).toHaveLength(0);
    expect(api.calls).toHaveLength(0);
  });

  it("a muted route sends nothing, anywhere", async () => {
    const answer = await fail("rt-org/shop", { branch: "deploy-preview/12" });
    expect(answer).toMatchObject({
      json: { status: "suppressed", reason: expect.stringContaining("muted") },
    });
    const recovery = await pass("rt-org/shop", { branch: "deploy-preview/12" });
    expect(recovery.json?.status).toBe("suppressed");
    for (const standIn of all()) expect(await settledNaming(standIn, "rt-org/shop")).toHaveLength(0);
    expect(api.calls.filter((call) => call.text.includes("rt-org/shop"))).toHaveLength(0);
  });

  it("the person who pushed is mentioned from SLACK_MENTIONS", async () => {
    await fail("rt-org/pushed", { actor: "rt-pusher" });
    const [message] = await waitForDeliveredNaming(main, "rt-org/pushed");
    expect(message?.raw).toContain("<@U0PUSHER1>");
  });

  it("Slack app: the failure is posted with a ts; the recovery replies in its thread and updates it in place", async () => {
    api.setRespond(null);
    expect(await fail("rt-org/app-web")).toMatchObject({ json: { status: "notified" } });
    const [posted] = await api.waitForAccepted(1);
    expect(posted).toMatchObject({ method: "chat.postMessage", channel: CHANNEL, threadTs: null });
    expect(posted?.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(posted?.text).toContain("rt-org/app-web");
    // Sent at once, or queued when the channel's rate slot or the opening's mark was not free yet (the
    // recovery waits for the message it follows): then the sweep sends it.
    const recovered = await pass("rt-org/app-web");
    expect(["notified", "queued"]).toContain(recovered.json?.status);
    if (recovered.json?.status === "queued") {
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      await vigie.sweep();
    }
    const calls = await api.waitForAccepted(3);
    const reply = calls.find((call) => call.method === "chat.postMessage" && call.threadTs !== null);
    const update = calls.find((call) => call.method === "chat.update");
    expect(reply).toMatchObject({ channel: CHANNEL, threadTs: posted?.postedTs });
    expect(reply?.text).toMatch(/Recovered/);
    expect(update).toMatchObject({ channel: CHANNEL, ts: posted?.postedTs });
    expect(JSON.stringify(update?.blocks)).toMatch(/Recovered \(was: /);
    expect(JSON.stringify(update?.blocks)).toContain("1 failed run");
    for (const standIn of all()) expect(messagesNaming(standIn, "rt-org/app-web")).toHaveLength(0);
  });

  it("Slack app: a 429 from the Web API holds that channel until Retry-After; the sweep sends it then", async () => {
    let limited = false;
    api.setRespond((call) => {
      if (call.text.includes("rt-org/app-limited") && !limited) {
        limited = true;
        return webApiReply.rateLimited(1);
      }
      return webApiReply.ok();
    });
    expect(await fail("rt-org/app-limited")).toMatchObject({ json: { status: "queued" } });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await vigie.sweep();
    const sent = api.accepted().filter((call) => call.text.includes("rt-org/app-limited"));
    expect(sent).toHaveLength(1);
    expect(api.calls.filter((call) => call.text.includes("rt-org/app-limited"))).toHaveLength(2);
  });

  it("one dead destination does not stop the others, and is never retried in a loop", async () => {
    const answer = await fail("rt-org/gone-site");
    expect(answer).toMatchObject({
      json: { status: "failed", reason: expect.stringContaining("channel_not_found") },
    });
    await waitForDeliveredNaming(ops, "rt-org/gone-site");
    expect(messagesNaming(dead, "rt-org/gone-site")).toHaveLength(1);
    await vigie.sweep();
    expect(await settledNaming(dead, "rt-org/gone-site")).toHaveLength(1);
    expect(
      vigie
        .logLines()
        .some(
          (line) =>
            line.msg === "message dead: fix the cause, it will not be retried" && line.destination === "DEAD",
        ),
    ).toBe(true);
    // The next site of another destination still goes out.
    await fail("rt-org/theme-green");
    await waitForDeliveredNaming(themes, "rt-org/theme-green");
  });

  it("a Mattermost destination gets attachments with a text fallback, never Block Kit", async () => {
    const deploy = failedDeploy({ id: "674a1f3c9b2e4d0077000001", name: "rt-mm-site" });
    const answer = await postNetlify(vigie.url, deploy, { secret: NETLIFY_SECRET });
    expect(answer).toMatchObject({ json: { status: "notified" } });
    const [request] = await waitForDeliveredNaming(mattermost, "rt-mm-site");
    const body = request?.body as {
      text?: string;
      blocks?: unknown;
      attachments?: Array<Record<string, unknown>>;
    };
    expect(body.blocks).toBeUndefined();
    expect(body.text).toContain("rt-mm-site");
    expect(body.attachments?.[0]).toMatchObject({
      fallback: body.text,
      title: expect.stringContaining("rt-mm-site"),
    });
    expect(JSON.stringify(body.attachments)).toContain("View deploy log");
    expect(messagesNaming(main, "rt-mm-site")).toHaveLength(0);
  });

  it("no log line carries a webhook URL's secret path or the bot token", () => {
    const logs = vigie.logs();
    expect(logs).not.toContain(BOT_TOKEN);
    expect(logs).not.toContain(new URL(themes.url).pathname);
  });

  // Linear time itself is counted in steps, not measured (test/unit/text/glob.test.ts); here the long names
  // go through the real route and are matched as they should be.
  it("globs answer long names: a long pushed branch and a long site name against starry globs", async () => {
    const branch = `release-${"-".repeat(150)}x/`;
    expect(await fail("rt-org/glob-branch", { branch })).toMatchObject({
      status: 200,
      json: { status: "ignored" },
    });
    const site = `rt-org/${"a".repeat(93)}`;
    expect(await fail(site)).toMatchObject({ status: 200, json: { status: "notified" } });
    await waitForDeliveredNaming(main, site);
  });

  it("a Mattermost destination gets payload text neutralised for Markdown", async () => {
    const deploy = failedDeploy({
      id: "674a1f3c9b2e4d0077000002",
      site_id: "5a9b7c3d-0000-4000-8000-00000000a1b2",
      name: "rt-mm-inject",
      title: "@channel @here see [prize](https://evil.example) ![x](https://evil.example/p.png) **now**",
      error_message: "Failed: @all `rm -rf` _gone_",
    });
    const answer = await postNetlify(vigie.url, deploy, { secret: NETLIFY_SECRET });
    // Queued when the destination's pace slot was taken by the test before: the sweep sends it then.
    expect(["notified", "queued"]).toContain(answer.json?.status);
    if (answer.json?.status === "queued") {
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      await vigie.sweep();
    }
    const [request] = await waitForDeliveredNaming(mattermost, "rt-mm-inject");
    const raw = request?.raw ?? "";
    const body = JSON.parse(raw) as { text: string; attachments: Array<Record<string, unknown>> };
    // What Mattermost renders as markup: outside link targets and code blocks (shown verbatim).
    const shown = JSON.stringify(body)
      .replace(/\]\([^)]*\)/g, "]")
      .replace(/```.*?```/g, "");
    expect(raw).toContain("```\\nFailed: @all `rm -rf` _gone_\\n```");
    expect(shown).not.toMatch(/@(channel|here|all)\b/);
    expect(shown).not.toMatch(/(?<!\\\\)\[prize\]/);
    expect(shown).not.toMatch(/(?<!\\\\)\*\*now/);
    expect(raw).not.toContain("](https://evil.example");
  });

  it("Slack app: an error text carrying the bot token is retried, and the token is never logged", async () => {
    api.setRespond((call) =>
      call.text.includes("rt-org/app-leaky")
        ? webApiReply.error(`invalid_auth for ${BOT_TOKEN}`)
        : webApiReply.ok(),
    );
    const answer = await fail("rt-org/app-leaky");
    expect(answer.json?.status).not.toBe("failed");
    const tried = () => api.calls.filter((call) => call.text.includes("rt-org/app-leaky")).length;
    for (let wait = 0; tried() === 0 && wait < 50; wait++) await new Promise((r) => setTimeout(r, 100));
    await vigie.sweep();
    expect(tried()).toBeGreaterThanOrEqual(1);
    expect(vigie.logs()).not.toContain(BOT_TOKEN);
    expect(vigie.logs()).toContain("[redacted]");
    api.setRespond(null);
  });
});
