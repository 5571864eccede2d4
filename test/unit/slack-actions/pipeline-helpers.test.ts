import { describe, expect, it } from "vitest";
import { asFailure, githubEvent } from "../../../samples/events.ts";
import { describeConfig } from "../../../src/config/describe.ts";
import { parseConfig } from "../../../src/config.ts";
import { matchSilence } from "../../../src/silences/match-silence.ts";
import { readActiveSilences, silenceTargetOf } from "../../../src/silences/read-silences-for.ts";
import { addSilence } from "../../../src/silences/silence-store.ts";
import { claimAction } from "../../../src/slack-actions/claim-action.ts";
import { controlsFor } from "../../../src/slack-actions/controls-for.ts";
import { pruneActionClaims } from "../../../src/slack-actions/prune-actions.ts";
import { MemoryStore } from "../../../src/store/memory-store.ts";
import { T0 } from "../clock.ts";

const app = { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" };

describe("controlsFor (what the pipeline appends to a failure message)", () => {
  const event = asFailure(githubEvent());
  it("gives controls to channel destinations with a signing secret and a bot token only", () => {
    expect(controlsFor(parseConfig(app), event, "ep", "#C0123ABCD")?.block_id).toBe("vigie.controls");
    expect(controlsFor(parseConfig(app), event, "ep", "default")).toBeNull();
    expect(controlsFor(parseConfig({ SLACK_BOT_TOKEN: "xoxb-1" }), event, "ep", "#C0123ABCD")).toBeNull();
    expect(controlsFor(parseConfig({ SLACK_SIGNING_SECRET: "s" }), event, "ep", "#C0123ABCD")).toBeNull();
  });
});

describe("readActiveSilences and silenceTargetOf (what the pipeline checks before it posts)", () => {
  it("reads the silences in force and matches a run's stream", async () => {
    const store = new MemoryStore();
    const match = { site: "acme/*", branch: null, source: null, stream: null };
    await addSilence(store, { match, until: T0 + 1000, untilGreen: false, reason: null }, "cli", T0);
    await addSilence(store, { match, until: T0 - 1, untilGreen: false, reason: null }, "cli", T0 - 5000);
    const active = await readActiveSilences(store, T0);
    expect(active).toHaveLength(1);
    expect(matchSilence(active, silenceTargetOf(githubEvent()), T0)).not.toBeNull();
    expect(matchSilence(active, silenceTargetOf(githubEvent({ site: "other/x" })), T0)).toBeNull();
  });
});

describe("pruneActionClaims", () => {
  it("deletes the claims older than a day, from their keys", async () => {
    const store = new MemoryStore();
    const seconds = T0 / 1000;
    await claimAction(store, { actionTs: `${seconds - 90_000}.000100`, user: "U1", action: "ack", at: 0 });
    await claimAction(store, { actionTs: `${seconds - 60}.000200`, user: "U1", action: "ack", at: 0 });
    expect(await pruneActionClaims(store, T0)).toBe(1);
    expect(await store.list("actions/")).toHaveLength(1);
  });
});

describe("npm start and doctor: the Slack actions line", () => {
  const line = (env: Record<string, string>) =>
    describeConfig(env).lines.find((candidate) => candidate.label === "Slack actions");
  it("off, on, or a problem without the bot token", () => {
    expect(line({})?.state).toBe("off");
    expect(line(app)).toMatchObject({ state: "ok", text: expect.stringContaining("anyone in the channel") });
    expect(line({ SLACK_SIGNING_SECRET: "s" })?.state).toBe("problem");
  });
});
