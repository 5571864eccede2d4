import { describe, expect, it } from "vitest";
import { asFailure, githubEvent } from "../../../samples/events.ts";
import { mrkdwnToMarkdown, toAttachments } from "../../../src/slack/attachments.ts";
import { formatFailure, formatRecovery } from "../../../src/slack/format.ts";

describe("toAttachments (Mattermost and other hooks without Block Kit)", () => {
  it("carries the failure's header, fields, context and logs link, with the text as fallback", () => {
    const event = asFailure(githubEvent({ site: "acme/site-1", repository: "acme/site-1" }));
    const message = formatFailure(event, { mention: "U0ADA123" });
    const { text, attachments } = toAttachments(message);
    // Markdown, not mrkdwn: the Slack mention is inert text there.
    expect(text).toBe(mrkdwnToMarkdown(message.text));
    expect(text).toContain("acme/site-1");
    expect(attachments).toHaveLength(1);
    const [attachment] = attachments;
    expect(attachment).toMatchObject({
      fallback: message.text.replace("<@U0ADA123>", "<@\u200bU0ADA123>"),
      color: "#e01e5a",
      title: expect.stringContaining("acme/site-1"),
      title_link: "https://github.com/acme/site-1/actions/runs/1001",
    });
    expect(attachment?.fields).toContainEqual({ title: "Branch", value: "main", short: true });
    expect(attachment?.fields).toContainEqual({
      title: "Triggered by",
      value: "ada \\(@\u200bU0ADA123\\)",
      short: true,
    });
    expect(attachment?.text).toContain("[View logs](https://github.com/acme/site-1/actions/runs/1001)");
    expect(attachment?.footer).toContain("Run #12");
  });

  it("a recovery is green; payload text is escaped for Markdown", () => {
    const event = githubEvent({
      outcome: "success",
      commit: { sha: "a".repeat(40), message: "<!channel> fix", url: null, author: null },
    });
    const { attachments } = toAttachments(
      formatRecovery(event, { openedAt: "2026-11-27T09:00:00Z", failedRuns: 2 }),
    );
    expect(attachments[0]?.color).toBe("#2eb67d");
    expect(JSON.stringify(attachments)).not.toContain("<!channel>");
    expect(JSON.stringify(attachments)).toContain("\\\\<!channel\\\\>");
  });

  it("Markdown from payload text is inert: mentions, links, images, emphasis, code", () => {
    const event = githubEvent({
      site: "acme/@here",
      repository: "acme/@here",
      workflow: "Deploy [click](https://evil.example) ![x](https://evil.example/p.png)",
      branch: "@all_**loud**_~gone~",
      commit: { sha: "b".repeat(40), message: "@channel `rm` _x_ # heading", url: null, author: null },
    });
    const payload = toAttachments(formatFailure(asFailure(event), {}));
    const all = [
      payload.text,
      ...payload.attachments.flatMap((a) => [
        a.title,
        a.text,
        a.footer,
        ...(a.fields ?? []).map((f) => f.value),
      ]),
    ].join("\n");
    // No mention: every @ before a name is followed by a zero-width space (link targets aside).
    expect(all.replace(/\]\([^)]*\)/g, "]")).not.toMatch(/@(channel|here|all)/);
    expect(payload.attachments[0]?.fallback).not.toMatch(/@(channel|here|all)/);
    expect(all).toContain("@\u200bchannel");
    // No link or image but vigie's own: every [ and ! from the payload is escaped.
    expect(all).not.toMatch(/(?<!\\)\[click\]/);
    expect(all).not.toMatch(/(?<!\\)!\[/);
    expect(all).toContain("\\[click\\]\\(https://evil.example\\)");
    // No emphasis or code from the payload.
    expect(all).toContain("\\*\\*loud\\*\\*");
    expect(all).toContain("\\_x\\_");
    expect(all).toContain("\\`rm\\`");
    // vigie's own link is still a Markdown link.
    expect(payload.attachments[0]?.text).toMatch(
      /\[View logs\]\(https:\/\/github\.com\/acme\/@here\/actions\/runs\/1001\)/,
    );
  });
});
