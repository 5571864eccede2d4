import { describe, expect, it } from "vitest";
import { toAttachments } from "../../../src/slack/attachments.ts";
import { CONTROLS_BLOCK_ID, type ControlsBlock, withControls } from "../../../src/slack/controls.ts";
import type { SlackMessage } from "../../../src/slack/message.ts";
import { readableMessage } from "../../../src/slack/send.ts";
import { validateMessage } from "../../../src/slack/validate.ts";

const plain = (text: string) => ({ type: "plain_text" as const, text });
const message: SlackMessage = {
  text: "acme/site failed",
  blocks: [
    { type: "header", text: plain("acme/site failed") },
    { type: "actions", elements: [{ type: "button", text: plain("Open run"), url: "https://ci.example/1" }] },
  ],
  unfurl_links: false,
  unfurl_media: false,
};
const controls: ControlsBlock = {
  type: "actions",
  block_id: CONTROLS_BLOCK_ID,
  elements: [{ type: "button", text: plain("🔁 Re-run"), action_id: "vigie.rerun", value: "ref" }],
};

describe("a message with its controls is a SlackMessage like any other (no cast)", () => {
  const withThem = withControls(message, controls);

  it("carries the controls block typed as such", () => {
    expect(withThem.blocks.at(-1)).toEqual(controls);
  });

  it("validates, and the readers of links skip the controls (they open nothing)", () => {
    expect(validateMessage(withThem)).toEqual([]);
    expect(JSON.stringify(toAttachments(withThem))).toContain("https://ci.example/1");
    expect(readableMessage(withThem, "#ops")).toContain("[Open run] https://ci.example/1");
    expect(readableMessage(withThem, "#ops")).not.toContain("undefined");
  });
});
