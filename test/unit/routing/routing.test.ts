import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig, sendingBlocker } from "../../../src/config.ts";
import { describeRouting } from "../../../src/routing/routing.ts";

const SECRET_URL = "https://hooks.slack.com/services/T0/B0/themesSecret";

/** The configuration's problems, as the log and the banner name them. */
const problemsOf = (env: Record<string, string>) =>
  parseConfig(env).problems.map((p) => ({ variable: p.variable, effect: p.effect, message: p.message }));

describe("destinations and routes from the environment", () => {
  it("named destinations, formats, channels with the bot token, and the default", () => {
    const { routing } = loadConfig({
      SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0/B0/default",
      SLACK_WEBHOOK_URL_THEMES: SECRET_URL,
      SLACK_WEBHOOK_URL_MM: "https://chat.example.org/hooks/abc",
      SLACK_WEBHOOK_FORMAT_MM: "Attachments",
      SLACK_BOT_TOKEN: "xoxb-1",
      ROUTES: "site:acme/theme-* -> themes; site:acme/docs -> mm,#C0123ABCD",
    });
    expect([...routing.destinations.values()].map((d) => [d.name, d.kind])).toEqual([
      ["default", "webhook"],
      ["MM", "webhook"],
      ["THEMES", "webhook"],
      ["#C0123ABCD", "channel"],
    ]);
    expect(routing.destinations.get("MM")).toMatchObject({ format: "attachments" });
    expect(routing.destinations.get("THEMES")).toMatchObject({ format: "blocks" });
    expect(routing.apiUrl).toBe("https://slack.com/api/");
    const table = describeRouting(routing).join("\n");
    expect(table).toContain("1. site:acme/theme-* -> THEMES");
    expect(table).toContain("2. site:acme/docs -> MM, #C0123ABCD");
    expect(table).toContain("otherwise -> default");
    expect(table).toContain("MM: SLACK_WEBHOOK_URL_MM (attachments, for Mattermost)");
    expect(table).not.toContain("themesSecret");
    expect(table).not.toContain("xoxb");
  });

  it("without SLACK_WEBHOOK_URL the default is a dry run; SLACK_API_URL gets its trailing slash", () => {
    const { routing } = loadConfig({ SLACK_API_URL: "http://127.0.0.1:9/api" });
    expect(routing.destinations.get("default")).toEqual({ kind: "dry_run", name: "default" });
    expect(routing.apiUrl).toBe("http://127.0.0.1:9/api/");
  });

  it.each([
    [
      { ROUTES: "site:a -> THEMES" },
      "ROUTES",
      "closed",
      'rule 1 ("site:a -> THEMES"): unknown destination "THEMES"',
    ],
    [
      { SLACK_WEBHOOK_URL_THEMES: "not a url" },
      "SLACK_WEBHOOK_URL_THEMES",
      "closed",
      "must be an http(s) URL",
    ],
    [
      { "SLACK_WEBHOOK_URL_my-team": SECRET_URL },
      "SLACK_WEBHOOK_URL_my-team",
      "closed",
      "may only hold A-Z, 0-9 and _",
    ],
    [{ ROUTES: "site:a -> #C0123ABCD" }, "ROUTES", "closed", "it needs SLACK_BOT_TOKEN"],
    [{ SLACK_API_URL: "ftp://x" }, "SLACK_API_URL", "closed", "must be an http(s) URL"],
    [{ SLACK_MENTIONS: "ada=nobody" }, "SLACK_MENTIONS", "off", '"nobody" (for ada) is not a Slack user id'],
    [
      { SLACK_WEBHOOK_FORMAT_X: "attachments" },
      "SLACK_WEBHOOK_FORMAT_X",
      "off",
      "SLACK_WEBHOOK_URL_X is not",
    ],
    [
      { SLACK_WEBHOOK_URL_X: SECRET_URL, SLACK_WEBHOOK_FORMAT_X: "html" },
      "SLACK_WEBHOOK_FORMAT_X",
      "default",
      "blocks or attachments",
    ],
  ])("%j: a %s problem (%s)", (env, variable, effect, message) => {
    const problems = problemsOf(env as Record<string, string>);
    expect(problems).toContainEqual({ variable, effect, message: expect.stringContaining(message) });
    expect(JSON.stringify(problems)).not.toContain("themesSecret");
    const config = parseConfig(env as Record<string, string>);
    expect(sendingBlocker(config)?.variable ?? null).toBe(effect === "closed" ? variable : null);
  });

  it("a change to a named destination is a new configuration (the cache key covers SLACK_WEBHOOK_URL_*)", () => {
    const first = loadConfig({ SLACK_WEBHOOK_URL_A: "https://a.example/1" });
    const second = loadConfig({ SLACK_WEBHOOK_URL_A: "https://a.example/2" });
    expect(second).not.toBe(first);
    expect(second.routing.destinations.get("A")).toMatchObject({ url: "https://a.example/2" });
  });
});

describe("the banner and doctor show the routing table", () => {
  it("one line per rule and per destination, and LIVE when only named destinations are set", async () => {
    const { describeConfig } = await import("../../../src/config/describe.ts");
    const { lines } = describeConfig({
      SLACK_WEBHOOK_URL_OPS: SECRET_URL,
      ROUTES: "site:acme/* -> OPS; branch:deploy-preview/** -> none",
    });
    const texts = lines.map((line) => `${line.label} ${line.text}`);
    expect(texts).toContain(
      "Slack LIVE to the destinations below; default is a DRY RUN (SLACK_WEBHOOK_URL unset)",
    );
    expect(texts).toContain(" 1. site:acme/* -> OPS");
    expect(texts).toContain(" 2. branch:deploy-preview/** -> none (muted)");
    expect(texts).toContain(" OPS: SLACK_WEBHOOK_URL_OPS");
    expect(texts.join("\n")).not.toContain("themesSecret");
  });
});
