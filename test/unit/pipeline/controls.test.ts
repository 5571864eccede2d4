import { describe, expect, it } from "vitest";
import { githubEvent } from "../../../samples/events.ts";
import { type RunEvent, streamKey } from "../../../src/event.ts";
import { processVerdict } from "../../../src/pipeline/pipeline.ts";
import { classify } from "../../../src/pipeline/policy.ts";
import { sweep } from "../../../src/pipeline/sweep.ts";
import { addSilence, listSilences } from "../../../src/silences/silence-store.ts";
import { ACTION, CONTROLS_BLOCK_ID } from "../../../src/slack/controls.ts";
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

describe("in Slack app mode", () => {
  const setup = () => {
    const f = pipelineFixture({ ...APP, SLACK_SIGNING_SECRET: "secret", STORM_THRESHOLD: "1" });
    const run = (event: RunEvent) => processVerdict(classify(event, f.deps.config), f.deps, f.deadline());
    return { ...f, run };
  };

  it('a storm digest offers "Mute these sites"', async () => {
    const t = setup();
    for (const [i, site] of ["acme/a", "acme/b", "acme/c"].entries())
      await t.run(githubEvent({ site, repository: site, runId: 10 + i }));
    t.clock.advance(5 * 60_000);
    await sweep(t.deps);
    const digest = t.slack.messages.find((m) => JSON.stringify(m).includes("acme/c"));
    expect(JSON.stringify(digest)).toContain(ACTION.muteStorm);
  });

  it('"until green" set on a posted failure: its recovery only updates that message', async () => {
    const t = setup();
    const event = githubEvent({ site: "acme/app", repository: "acme/app", runId: 1 });
    t.slack.answers.push({ kind: "sent", ts: "1700000000.001", channel: "C0APPS01" });
    await t.run(event);
    expect(t.slack.notices).toHaveLength(1);
    await addSilence(
      t.store,
      {
        match: { site: null, branch: null, source: null, stream: streamKey(event) },
        until: null,
        untilGreen: true,
        reason: null,
      },
      "<@U1>",
      t.clock.now(),
    );
    const green = { runId: 2, runNumber: 13, occurredAt: "2026-11-27T10:20:00Z", outcome: "success" };
    await t.run(githubEvent({ site: "acme/app", repository: "acme/app", ...green }));
    t.clock.advance(60_000);
    await sweep(t.deps);
    const kinds = t.slack.notices.map((n) => ("notice" in n ? n.notice : "slack"));
    expect(kinds.slice(1)).toEqual(["update"]);
    expect(await listSilences(t.store)).toEqual([]);
  });
});
