import { describe, expect, it } from "vitest";
import { processVerdict } from "../../../src/pipeline/pipeline.ts";
import { classify } from "../../../src/pipeline/policy.ts";
import { ACTION, CONTROLS_BLOCK_ID } from "../../../src/slack/controls.ts";
import { githubEvent } from "../../fixtures/events.ts";
import { pipelineFixture } from "./support.ts";

const APP = {
  SLACK_BOT_TOKEN: "xoxb-test-token",
  ROUTES: "site:acme/* -> #C0APPS01",
};

const controlsOf = async (env: Record<string, string>) => {
  const f = pipelineFixture(env);
  await processVerdict(classify(githubEvent({ site: "acme/app" }), f.deps.config), f.deps, f.deadline());
  const [message] = f.slack.messages;
  if (!message) throw new Error("expected a failure message");
  const block = (message.blocks as unknown as Array<{ block_id?: string; elements?: unknown[] }>).find(
    (b) => b.block_id === CONTROLS_BLOCK_ID,
  );
  return block ? JSON.stringify(block.elements) : null;
};

describe("controls on failure messages", () => {
  it("Slack app mode with a signing secret: Re-run, Mute and I'm on it on the failure message", async () => {
    const controls = await controlsOf({ ...APP, SLACK_SIGNING_SECRET: "secret" });
    expect(controls).toContain(ACTION.rerun);
    expect(controls).toContain(ACTION.mute);
    expect(controls).toContain(ACTION.ack);
  });

  it("without a signing secret, or through a webhook, none", async () => {
    expect(await controlsOf(APP)).toBeNull();
    expect(
      await controlsOf({ SLACK_WEBHOOK_URL: "https://hooks.example/x", SLACK_SIGNING_SECRET: "secret" }),
    ).toBeNull();
  });
});
