import { describe, expect, it } from "vitest";
import { asFailure, githubEvent, netlifyEvent } from "../../../samples/events.ts";
import { parseConfig } from "../../../src/config.ts";
import { ACTION, controlsBlock, stormControlsBlock, withControls } from "../../../src/slack/controls.ts";
import { formatFailure } from "../../../src/slack/format.ts";
import { controlRefOf, decodeControlRef, encodeControlRef } from "../../../src/slack-actions/control-ref.ts";
import { githubRef, netlifyRef } from "../../fixtures/slack-interactions.ts";

describe("the controls of a failure message", () => {
  it("carry the three fixed action ids, and a reference that comes back whole", () => {
    const block = controlsBlock(githubRef);
    expect(block?.elements.map((e) => e.action_id)).toEqual([ACTION.rerun, ACTION.mute, ACTION.ack]);
    const mute = block?.elements[1];
    expect(mute?.type === "static_select" && mute.options.map((o) => o.value)).toEqual([
      "1h",
      "4h",
      "24h",
      "green",
    ]);
    const ack = block?.elements[2];
    expect(ack?.type === "button" && decodeControlRef(ack.value)).toEqual(githubRef);
    for (const element of block?.elements ?? []) {
      if (element.type === "button") expect(element.value.length).toBeLessThanOrEqual(2000);
    }
  });

  it("have no Re-run for a Netlify deploy other than production", () => {
    expect(controlsBlock(netlifyRef(false))?.elements.map((e) => e.action_id)).toEqual([
      ACTION.mute,
      ACTION.ack,
    ]);
  });

  it("are left out when the reference would not fit in a button value", () => {
    expect(controlsBlock({ ...githubRef, stream: "x".repeat(2000) })).toBeNull();
  });

  it("refer to the episode, its stream and its run", () => {
    const event = asFailure(githubEvent());
    expect(controlRefOf(event, "ep1")).toEqual({
      stream: "github:acme/site-1:7:main",
      episode: "ep1",
      site: "acme/site-1",
      branch: "main",
      target: { source: "github", repository: "acme/site-1", runId: 1001 },
    });
    expect(controlRefOf(asFailure(netlifyEvent({ context: "production" })), "ep2").target).toMatchObject({
      source: "netlify",
      production: true,
    });
  });

  it("are added to a failure message at its end (withControls), only when given", () => {
    const message = formatFailure(asFailure(githubEvent()));
    const controlled = withControls(message, controlsBlock(githubRef));
    expect(controlled.blocks.length).toBe(message.blocks.length + 1);
    expect(JSON.stringify(controlled.blocks.at(-1))).toContain(ACTION.rerun);
    expect(withControls(message, null)).toBe(message);
  });

  it.each([["not json"], ['{"v":2}'], [JSON.stringify({ v: 1, stream: "s" })]])(
    "decode refuses %s",
    (value) => {
      expect(decodeControlRef(value)).toBeNull();
    },
  );
  it("encode refuses what would not fit", () => {
    expect(encodeControlRef({ ...githubRef, site: "y".repeat(2001) })).toBeNull();
  });
});

describe("the storm digest's control", () => {
  it("names how many sites it mutes, and is left out when they do not fit", () => {
    const block = stormControlsBlock(["a/1", "a/2", "a/2"]);
    expect(block?.elements).toHaveLength(1);
    expect(block?.elements[0]).toMatchObject({
      action_id: ACTION.muteStorm,
      text: { text: "🔕 Mute these 2 sites for 1 h" },
    });
    expect(stormControlsBlock([])).toBeNull();
    expect(
      stormControlsBlock(Array.from({ length: 80 }, (_, i) => `acme/a-rather-long-site-name-${i}`)),
    ).toBeNull();
  });
});

describe("the actions' configuration", () => {
  it("is off without a signing secret; a previous secret alone is a problem", () => {
    expect(parseConfig({}).actions.signingSecrets).toEqual([]);
    const config = parseConfig({ SLACK_SIGNING_SECRET_PREVIOUS: "old" });
    expect(config.actions.signingSecrets).toEqual([]);
    expect(config.problems.map((p) => p.variable)).toContain("SLACK_SIGNING_SECRET_PREVIOUS");
    expect(
      parseConfig({ SLACK_SIGNING_SECRET: "new", SLACK_SIGNING_SECRET_PREVIOUS: "old" }).actions
        .signingSecrets,
    ).toEqual(["new", "old"]);
  });

  it("SLACK_ACTION_USERS: unset lets anyone act; invalid lets nobody, loudly", () => {
    expect(parseConfig({}).actions.users).toBeNull();
    expect([...(parseConfig({ SLACK_ACTION_USERS: "U0ALICE01, U0BOB0001" }).actions.users ?? [])]).toEqual([
      "U0ALICE01",
      "U0BOB0001",
    ]);
    const invalid = parseConfig({ SLACK_ACTION_USERS: "alice" });
    expect(invalid.actions.users?.size).toBe(0);
    expect(invalid.problems.find((p) => p.variable === "SLACK_ACTION_USERS")?.message).toContain(
      "not a Slack user id",
    );
  });

  it("AUTO_RERUN: rules, their bound, and a rule that cannot be read switches them off loudly", () => {
    const config = parseConfig({ AUTO_RERUN: "site:acme/* step:Upload*", AUTO_RERUN_MAX_PER_HOUR: "5" });
    expect(config.actions.autoRerun).toHaveLength(1);
    expect(config.actions.autoRerunMaxPerHour).toBe(5);
    expect(parseConfig({}).actions.autoRerunMaxPerHour).toBe(20);
    const wrong = parseConfig({ AUTO_RERUN: "site:acme/*; colour:blue" });
    expect(wrong.actions.autoRerun).toEqual([]);
    expect(wrong.problems.find((p) => p.variable === "AUTO_RERUN")?.message).toContain("rule 2");
  });

  it("the re-run tokens: GITHUB_TOKEN, GITLAB_TOKEN, NETLIFY_AUTH_TOKEN with their API URLs", () => {
    const { rerun } = parseConfig({ GITHUB_TOKEN: "a", GITLAB_TOKEN: "b", NETLIFY_AUTH_TOKEN: "c" }).actions;
    expect(rerun).toEqual({
      github: { token: "a", apiUrl: "https://api.github.com" },
      gitlab: { token: "b", apiUrl: "https://gitlab.com/api/v4" },
      netlify: { token: "c", apiUrl: "https://api.netlify.com/api/v1" },
    });
  });
});
