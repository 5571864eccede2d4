import { describe, expect, it } from "vitest";
import { configBanner, describeConfig } from "../../../src/config/describe.ts";

const base = { GITHUB_WEBHOOK_SECRET: "g", NETLIFY_WEBHOOK_SECRET: "n" };
const banner = (env: Record<string, string>) => configBanner({ ...base, ...env }).join("\n");
const problems = (env: Record<string, string>) =>
  describeConfig({ ...base, ...env }).lines.filter((line) => line.state === "problem");

// Issue 13, "tried as a new user": the banner looked healthy, even "Slack LIVE", with a broken setting.
describe("npm start's banner", () => {
  it("lists nothing to fix for a sound configuration", () => {
    expect(problems({ SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/x" })).toEqual([]);
    expect(banner({ SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/x" })).toContain("LIVE");
  });

  it("never says LIVE with an invalid Slack URL, and says that nothing is sent", () => {
    const text = banner({ SLACK_WEBHOOK_URL: "not-a-url" });
    expect(text).not.toContain("LIVE");
    expect(text).toContain("✗ Slack");
    expect(text).toContain("NOTHING IS SENT");
    expect(text).not.toContain("not-a-url");
  });

  it.each([
    ["REMINDER_HOURS", { REMINDER_HOURS: "abc" }],
    ["BRANCHES", { BRANCHES: ",,," }],
    ["GITHUB_HOOK_ID", { GITHUB_TOKEN: "t", GITHUB_ORG: "acme" }],
    ["PORT", { PORT: "http" }],
    ["NETLIFY_API_URL", { NETLIFY_API_URL: "api.netlify.com" }],
  ])("lists %s when it is wrong", (variable, env) => {
    expect(problems(env).map((line) => line.label)).toContain(variable);
    expect(banner(env)).toContain("Fix what is marked ✗");
  });

  it("shows which branches are watched", () => {
    expect(banner({})).toContain("every branch");
    expect(banner({ BRANCHES: "main refs/heads/release/**" })).toMatch(
      /Branches\s+main, release\/\*\* \(BRANCHES\)/,
    );
  });

  it("says which route is closed for want of its secret, and that none is open without any", () => {
    expect(banner({ NETLIFY_WEBHOOK_SECRET: "" })).toMatch(
      /– Netlify route\s+NETLIFY_WEBHOOK_SECRET is unset/,
    );
    expect(problems({ NETLIFY_WEBHOOK_SECRET: "" })).toEqual([]);
    expect(
      describeConfig({})
        .lines.filter((line) => line.state === "problem")
        .map((line) => line.label),
    ).toEqual(["Routes"]);
  });
});
