import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { checkStatus } from "../../../src/doctor/check-status.ts";
import { slackSteps } from "../../../src/doctor/check-workflows.ts";
import { sendTest } from "../../../src/doctor/send-test.ts";
import { validateMessage } from "../../../src/slack/format.ts";

describe("doctor --workflows: which lines post to Slack", () => {
  it("finds each of the four actions, any version, quoted or not, and skips comments and look-alikes", () => {
    const text = [
      "jobs:",
      "  notify:",
      "    steps:",
      "      - uses: rtCamp/action-slack-notify@v2",
      '      - uses: "ravsamhq/notify-slack-action@2.5.0"',
      "      - name: post",
      "        uses: 'slackapi/slack-github-action@v1.26.0'",
      "      # - uses: 8398a7/action-slack@v3",
      "      - uses: 8398A7/Action-Slack@v3",
      "      - uses: someone/action-slack-notify-fork@v1",
      "      - uses: actions/checkout@v4",
    ].join("\n");
    expect(slackSteps(text)).toEqual([
      { line: 4, action: "rtCamp/action-slack-notify" },
      { line: 5, action: "ravsamhq/notify-slack-action" },
      { line: 7, action: "slackapi/slack-github-action" },
      { line: 9, action: "8398a7/action-slack" },
    ]);
  });
});

describe("doctor --send-test: one test notice, formatted by each destination's kind", () => {
  const SECRET = `whsec_${Buffer.alloc(32, 5).toString("base64")}`;
  const env = {
    GITHUB_WEBHOOK_SECRET: "gh-secret",
    SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0/B0/secret-default",
    TEAMS_WEBHOOK_URL_OPS: "https://acme.webhook.office.com/workflows/secret-teams",
    DISCORD_WEBHOOK_URL_COMMUNITY: "https://discord.com/api/webhooks/1/secret-discord",
    JSON_WEBHOOK_URL_PAGER: "https://pager.example/hooks/secret-json",
    JSON_WEBHOOK_SECRET_PAGER: SECRET,
  };
  const receivers = () => {
    const calls: Array<{ host: string; body: string; headers: Record<string, string> }> = [];
    const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(String(input));
      calls.push({
        host: url.host,
        body: String(init?.body ?? ""),
        headers: Object.fromEntries(new Headers(init?.headers).entries()),
      });
      if (url.host === "hooks.slack.com") return new Response("ok", { status: 200 });
      if (url.host === "discord.com") return Response.json({ id: "900", channel_id: "42" });
      return new Response(null, { status: url.host === "pager.example" ? 204 : 202 });
    }) as typeof globalThis.fetch;
    const body = (host: string) => calls.find((call) => call.host === host);
    return { fetch, calls, body };
  };

  it("reaches Slack, Teams, Discord and a JSON receiver each in its own format; every check passes", async () => {
    const { fetch, calls, body } = receivers();
    // standardwebhooks' verify() checks the signature's time against the real clock.
    const checks = await sendTest(env, undefined, { fetch, now: Date.now });
    const accepted = (label: string, variable: string) =>
      expect.objectContaining({
        state: "ok",
        label,
        text: expect.stringMatching(
          new RegExp(`^${variable}\\b.* accepted it: look for the message marked \\[TEST\\]$`),
        ),
      });
    expect(checks).toEqual([
      accepted("Test to default", "SLACK_WEBHOOK_URL"),
      accepted("Test to COMMUNITY", "DISCORD_WEBHOOK_URL_COMMUNITY"),
      accepted("Test to PAGER", "JSON_WEBHOOK_URL_PAGER"),
      accepted("Test to OPS", "TEAMS_WEBHOOK_URL_OPS"),
    ]);
    expect(calls).toHaveLength(4);
    const slack = JSON.parse(body("hooks.slack.com")?.body ?? "{}");
    expect(validateMessage(slack)).toEqual([]);
    expect(slack.text).toMatch(/^\[TEST\] vigie test message to default: not a failure/);
    const teams = JSON.parse(body("acme.webhook.office.com")?.body ?? "{}");
    expect(teams).toMatchObject({ type: "message", attachments: [{ content: { type: "AdaptiveCard" } }] });
    expect(teams.attachments[0].content.body[0]).toMatchObject({ text: "\\[TEST\\] vigie test message" });
    expect(JSON.parse(body("discord.com")?.body ?? "{}")).toMatchObject({
      allowed_mentions: { parse: [] },
      embeds: [{ title: "COMMUNITY", description: expect.stringContaining("Not a failure") }],
    });
    const pager = body("pager.example");
    expect(new Webhook(SECRET).verify(pager?.body ?? "", pager?.headers ?? {})).toMatchObject({
      type: "vigie.test",
      version: 1,
      data: { destination: "PAGER", sentBy: "npm run doctor -- --send-test" },
    });
  });

  it("to the one destination named, dated by the injected clock", async () => {
    const { fetch, calls, body } = receivers();
    const checks = await sendTest(env, "ops", { fetch, now: () => Date.parse("2026-11-27T12:00:00Z") });
    expect(checks).toEqual([expect.objectContaining({ state: "ok", label: "Test to OPS" })]);
    expect(calls).toHaveLength(1);
    expect(body("acme.webhook.office.com")?.body).toContain("Sent 2026-11-27 12:00 UTC");
  });

  it("a named destination set to dry-run is named as such, not as an unset SLACK_WEBHOOK_URL", async () => {
    const { fetch, calls } = receivers();
    const checks = await sendTest({ TEAMS_WEBHOOK_URL_OPS: "dry-run" }, "ops", { fetch, now: Date.now });
    expect(checks).toEqual([
      expect.objectContaining({
        state: "problem",
        label: "Test to OPS",
        text: "DRY RUN: nothing was sent (destination OPS is set to dry-run)",
      }),
    ]);
    expect(calls).toHaveLength(0);
  });
});

describe("doctor --url: the status route", () => {
  it("is – (not checked), not ✗, without VIGIE_STATUS_TOKEN here, and calls nothing", async () => {
    let called = 0;
    const checks = await checkStatus(
      { base: "https://vigie.example" },
      {},
      {
        fetch: async () => {
          called++;
          return new Response("{}");
        },
      },
    );
    expect(checks).toEqual([expect.objectContaining({ state: "off", label: "Status route" })]);
    expect(called).toBe(0);
  });

  it("parses the answer: a dry run is ✗, an answer that is not vigie's status is ✗", async () => {
    const answer = (body: unknown) => async () => new Response(JSON.stringify(body), { status: 200 });
    const env = { VIGIE_STATUS_TOKEN: "t" };
    const base = { base: "https://vigie.example" };
    const status = {
      config: { valid: true, problems: [] },
      dryRun: true,
      outbox: { waiting: 0, dead: 0 },
      episodes: { open: 0 },
      sweep: { lastRunAt: new Date(Date.now()).toISOString() },
    };
    const dry = await checkStatus(base, env, { fetch: answer(status) });
    expect(dry).toContainEqual(expect.objectContaining({ state: "problem", label: "Deployed Slack" }));
    const other = await checkStatus(base, env, { fetch: answer({ config: "yes" }) });
    expect(other).toEqual([
      expect.objectContaining({ state: "problem", text: expect.stringContaining("not vigie's status") }),
    ]);
  });
});
