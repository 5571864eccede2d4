import { describe, expect, it } from "vitest";
import { checkStatus } from "../../../src/doctor/check-status.ts";
import { slackSteps } from "../../../src/doctor/check-workflows.ts";
import { testMessage } from "../../../src/doctor/send-test.ts";
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

describe("doctor --send-test: the message", () => {
  it("is marked [TEST], says it is not a failure, and is a message Slack accepts", () => {
    const message = testMessage("THEMES", Date.parse("2026-11-27T12:00:00Z"));
    expect(validateMessage(message)).toEqual([]);
    expect(message.text).toMatch(/^\[TEST\] vigie test message to THEMES: not a failure/);
    expect(JSON.stringify(message.blocks)).toContain("2026-11-27 12:00 UTC");
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
