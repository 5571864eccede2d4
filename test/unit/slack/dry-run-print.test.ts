import { describe, expect, it } from "vitest";
import { readableMessage } from "../../../src/slack/send.ts";

describe("the dry run's readable block", () => {
  it("shows the header, what failed (fields as label: value), context and buttons, links as text (url)", () => {
    const text = readableMessage(
      {
        text: "acme/site-1 failed",
        blocks: [
          { type: "header", text: { type: "plain_text", text: "❌ acme/site-1 failed" } },
          {
            type: "section",
            text: { type: "mrkdwn", text: "*<https://github.com/acme/site-1|acme/site-1>* on `main`" },
          },
          {
            type: "section",
            fields: [
              { type: "mrkdwn", text: "*Failed step*\nbuild › Build site" },
              { type: "mrkdwn", text: "*Error*\nCannot find module &lt;x&gt; &amp; more" },
            ],
          },
          { type: "divider" },
          { type: "context", elements: [{ type: "mrkdwn", text: "Commit abc1234 by Mona" }] },
          {
            type: "actions",
            elements: [
              {
                type: "button",
                text: { type: "plain_text", text: "View logs" },
                url: "https://github.com/x",
              },
            ],
          },
        ],
        unfurl_links: false,
        unfurl_media: false,
      },
      "default",
    );
    expect(text.split("\n")).toEqual([
      "┌ dry run → default (not sent: SLACK_WEBHOOK_URL is unset)",
      "│ ❌ acme/site-1 failed",
      "│ *acme/site-1 (https://github.com/acme/site-1)* on `main`",
      "│ *Failed step*: build › Build site",
      "│ *Error*: Cannot find module <x> & more",
      "│ Commit abc1234 by Mona",
      "│ [View logs] https://github.com/x",
      "└",
    ]);
  });
});
