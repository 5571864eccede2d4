import { describe, expect, it } from "vitest";
import { ConfigError, globToRegExp, loadConfig } from "../../src/config.ts";

describe("loadConfig", () => {
  it("has DESIGN.md's defaults", () => {
    const config = loadConfig({});
    expect(config.githubSecrets).toEqual([]);
    expect(config.netlifySecrets).toEqual([]);
    expect(config.slackWebhookUrl).toBeNull();
    expect([...config.notifyConclusions]).toEqual(["failure", "timed_out", "startup_failure"]);
    expect(config.branches).toBeNull();
    expect(config.notifyRecovery).toBe(true);
    expect(config.reminderHours).toBe(24);
    expect(config.stormThreshold).toBe(5);
    expect(config.stormWindowSeconds).toBe(60);
    expect(config.stormGroupWaitSeconds).toBe(30);
    expect(config.maxBodyBytes).toBe(1_048_576);
    expect(config.port).toBe(8888);
    expect(config.githubRedelivery).toBeNull();
  });

  it("keeps the current secret first, then the previous one, and drops empty ones", () => {
    expect(
      loadConfig({ GITHUB_WEBHOOK_SECRET: "new", GITHUB_WEBHOOK_SECRET_PREVIOUS: "old" }).githubSecrets,
    ).toEqual(["new", "old"]);
    expect(
      loadConfig({ GITHUB_WEBHOOK_SECRET: "", GITHUB_WEBHOOK_SECRET_PREVIOUS: "" }).githubSecrets,
    ).toEqual([]);
    expect(loadConfig({ NETLIFY_WEBHOOK_SECRET: "n" }).netlifySecrets).toEqual(["n"]);
  });

  it.each([
    ["STORM_THRESHOLD", "five", /STORM_THRESHOLD: must be a whole number ≥ 0, got "five"/],
    ["STORM_WINDOW_SECONDS", "0", /STORM_WINDOW_SECONDS: must be a whole number ≥ 1/],
    ["REMINDER_HOURS", "-1", /REMINDER_HOURS/],
    ["MAX_BODY_BYTES", "1.5", /MAX_BODY_BYTES/],
    ["PORT", "http", /PORT/],
    ["NOTIFY_RECOVERY", "maybe", /NOTIFY_RECOVERY: must be true or false/],
    ["NOTIFY_CONCLUSIONS", "failure,cancelled", /NOTIFY_CONCLUSIONS: "cancelled" can never notify/],
    ["NOTIFY_CONCLUSIONS", "failed", /NOTIFY_CONCLUSIONS: unknown conclusion "failed"/],
    [
      "SLACK_WEBHOOK_URL",
      "hooks.slack.com/services/T/B/secret",
      /SLACK_WEBHOOK_URL: must be an http\(s\) URL/,
    ],
    ["GITHUB_TOKEN", "ghp_x", /GITHUB_TOKEN: automatic redelivery needs all of/],
  ])("names the variable when %s=%s is invalid", (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it("never echoes the Slack URL, which is a secret", () => {
    const url = "ftp://hooks.example/services/T000/B000/very-secret-token";
    try {
      loadConfig({ SLACK_WEBHOOK_URL: url });
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("very-secret-token");
    }
  });

  it("parses the optional values", () => {
    const config = loadConfig({
      SLACK_WEBHOOK_URL: "http://127.0.0.1:9/hook",
      NOTIFY_CONCLUSIONS: " failure , timed_out ",
      BRANCHES: "main, release/*",
      NOTIFY_RECOVERY: "false",
      REMINDER_HOURS: "0",
      GITHUB_TOKEN: "t",
      GITHUB_ORG: "acme",
      GITHUB_HOOK_ID: "42",
    });
    expect(config.slackWebhookUrl).toBe("http://127.0.0.1:9/hook");
    expect([...config.notifyConclusions]).toEqual(["failure", "timed_out"]);
    expect(config.branchGlobs).toEqual(["main", "release/*"]);
    expect(config.notifyRecovery).toBe(false);
    expect(config.reminderHours).toBe(0);
    expect(config.githubRedelivery).toEqual({
      token: "t",
      org: "acme",
      hookId: 42,
      apiUrl: "https://api.github.com",
    });
  });

  it("parses once per distinct environment", () => {
    const env = { STORM_THRESHOLD: "7" };
    expect(loadConfig(env)).toBe(loadConfig({ ...env }));
    expect(loadConfig({ STORM_THRESHOLD: "8" }).stormThreshold).toBe(8);
  });
});

describe("globToRegExp", () => {
  it.each([
    ["main", "main", true],
    ["main", "main2", false],
    ["release/*", "release/1.2", true],
    ["release/*", "release/1/2", false],
    ["release/**", "release/1/2", true],
    ["feature-?", "feature-a", true],
    ["v1.0", "v1x0", false],
    ["*", "a/b", false],
    ["**", "a/b", true],
  ])("%s matches %s: %s", (glob, branch, expected) => {
    expect(globToRegExp(glob).test(branch)).toBe(expected);
  });
});
