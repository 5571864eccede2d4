import { describe, expect, it } from "vitest";
import { toAttachments } from "../../../src/slack/attachments.ts";
import { formatFailure, formatRecovery } from "../../../src/slack/format.ts";
import { asFailure, githubEvent } from "../../fixtures/events.ts";

describe("toAttachments (Mattermost and other hooks without Block Kit)", () => {
  it("carries the failure's header, fields, context and logs link, with the text as fallback", () => {
    const event = asFailure(githubEvent({ site: "acme/site-1", repository: "acme/site-1" }));
    const message = formatFailure(event, { mention: "U0ADA123" });
    const { text, attachments } = toAttachments(message);
    expect(text).toBe(message.text);
    expect(attachments).toHaveLength(1);
    const [attachment] = attachments;
    expect(attachment).toMatchObject({
      fallback: message.text,
      color: "#e01e5a",
      title: expect.stringContaining("acme/site-1"),
      title_link: "https://github.com/acme/site-1/actions/runs/1001",
    });
    expect(attachment?.fields).toContainEqual({ title: "Branch", value: "main", short: true });
    expect(attachment?.fields).toContainEqual({
      title: "Triggered by",
      value: "ada (<@U0ADA123>)",
      short: true,
    });
    expect(attachment?.text).toContain("<https://github.com/acme/site-1/actions/runs/1001|View logs>");
    expect(attachment?.footer).toContain("Run #12");
  });

  it("a recovery is green; payload text stays escaped as format.ts left it", () => {
    const event = githubEvent({
      outcome: "success",
      commit: { sha: "a".repeat(40), message: "<!channel> fix", url: null, author: null },
    });
    const { attachments } = toAttachments(
      formatRecovery(event, { openedAt: "2026-11-27T09:00:00Z", failedRuns: 2 }),
    );
    expect(attachments[0]?.color).toBe("#2eb67d");
    expect(JSON.stringify(attachments)).not.toContain("<!channel>");
    expect(JSON.stringify(attachments)).toContain("&lt;!channel&gt;");
  });
});
