import { describe, expect, it } from "vitest";
import { testNotice } from "../../../src/destinations/notice.ts";
import {
  dryRunKind,
  mattermostKind,
  slackAppKind,
  slackWebhookKind,
} from "../../../src/destinations/slack-kinds.ts";
import { memoryLogger } from "../../../src/log.ts";
import { validateMessage } from "../../../src/slack/format.ts";
import { formatNotice } from "../../../src/slack/format-notice.ts";

const AT = Date.parse("2026-11-27T12:00:00Z");

describe("a test notice in Slack (doctor --send-test)", () => {
  it("is marked [TEST], says it is not a failure, names the destination, and is a message Slack accepts", () => {
    const message = formatNotice(testNotice("THEMES", AT));
    expect(validateMessage(message)).toEqual([]);
    expect(message.text).toBe(
      "[TEST] vigie test message to THEMES: not a failure, nothing to do (sent by npm run doctor -- --send-test at 2026-11-27 12:00 UTC)",
    );
    expect(message.blocks[0]).toEqual({
      type: "header",
      text: { type: "plain_text", text: "[TEST] vigie test message", emoji: false },
    });
    expect(JSON.stringify(message.blocks)).toContain("vigie's destination *THEMES* works");
    expect(JSON.stringify(message.blocks)).toContain("2026-11-27 12:00 UTC");
  });

  it("is the same Slack message through the webhook, the Slack app and the dry run", () => {
    const notice = testNotice("#C0123456", AT);
    const slack = formatNotice(notice);
    expect(slackWebhookKind.format(notice)).toEqual(slack);
    expect(slackAppKind.format(notice)).toEqual(slack);
    expect(dryRunKind.format(notice)).toEqual(slack);
  });

  it("reaches Mattermost as attachments that say the same", () => {
    const body = JSON.stringify(mattermostKind.format(testNotice("THEMES", AT)));
    expect(body).toContain("[TEST] vigie test message");
    expect(body).toContain("THEMES");
    expect(body).toContain("Not a failure, nothing to do.");
  });

  it("escapes a destination name for mrkdwn (no mention can be forged)", () => {
    const message = formatNotice(testNotice("<!channel>", AT));
    expect(JSON.stringify(message)).not.toContain("<!channel>");
    expect(message.text).toContain("&lt;!channel&gt;");
  });

  it("is printed, not sent, by the default dry run", async () => {
    const logs = memoryLogger();
    const sender = dryRunKind.connect(
      { kind: "dry_run", name: "default" },
      { timeoutMs: 1_000, log: logs.log },
    );
    expect(await sender.send(testNotice("default", AT))).toEqual({ kind: "dry_run" });
    expect(JSON.stringify(logs.lines)).toContain("[TEST] vigie test message");
  });
});
