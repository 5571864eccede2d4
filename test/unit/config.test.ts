import { describe, expect, it } from "vitest";
import {
  type Config,
  ConfigError,
  functionEnv,
  globToRegExp,
  loadConfig,
  sendingBlocker,
} from "../../src/config.ts";
import { memoryLogger } from "../../src/log.ts";

/** The parsed settings, without the problems. */
const pick = ({ problems: _, ...rest }: Config) => rest;

describe("loadConfig on a function's frozen environment", () => {
  it("recognises the same frozen object without reading its variables again", () => {
    let reads = 0;
    const env = Object.freeze(
      Object.defineProperty(
        { SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0/B0/frozen" },
        "STORM_THRESHOLD",
        {
          enumerable: true,
          get: () => {
            reads++;
            return "7";
          },
        },
      ),
    ) as Record<string, string | undefined>;
    const first = loadConfig(env);
    expect(first.stormThreshold).toBe(7);
    const afterFirst = reads;
    expect(loadConfig(env)).toBe(first);
    expect(reads).toBe(afterFirst);
    // A plain object is still compared by value: a changed copy gives a new Config.
    expect(loadConfig({ ...env, STORM_THRESHOLD: "8" }).stormThreshold).toBe(8);
  });

  it("functionEnv is a frozen copy of process.env, the same object at every call", () => {
    const env = functionEnv();
    expect(Object.isFrozen(env)).toBe(true);
    expect(functionEnv()).toBe(env);
    expect(env.PATH).toBe(process.env.PATH);
  });
});

describe("loadConfig", () => {
  it("has the documented defaults", () => {
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
    expect(config.statusToken).toBeNull();
    expect(config.problems).toEqual([]);
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
    ["STORM_THRESHOLD", "five", /must be a whole number ≥ 0, got "five"; using the default \(5\)/],
    ["STORM_WINDOW_SECONDS", "0", /must be a whole number ≥ 1/],
    ["REMINDER_HOURS", "-1", /whole number/],
    ["MAX_BODY_BYTES", "1.5", /whole number/],
    ["NOTIFY_RECOVERY", "maybe", /must be true or false/],
    ["NOTIFY_CONCLUSIONS", "failure,cancelled", /"cancelled" can never notify/],
    ["NOTIFY_CONCLUSIONS", "failed", /unknown conclusion "failed"/],
    ["BRANCHES", ",,,", /names no branch; using the default \(all\)/],
  ])("%s=%s is a problem naming it, and the default is used", (name, value, message) => {
    const config = loadConfig({ [name]: value });
    expect(config.problems).toEqual([
      expect.objectContaining({
        variable: name,
        feature: "core",
        effect: "default",
        message: expect.stringMatching(message),
      }),
    ]);
    expect(pick(config)).toEqual(pick(loadConfig({})));
    expect(sendingBlocker(config)).toBeNull();
  });

  it("an invalid Slack URL stops sending, without quoting the URL (a secret)", () => {
    const url = "ftp://hooks.example/services/T000/B000/very-secret-token";
    const config = loadConfig({ SLACK_WEBHOOK_URL: url });
    expect(config.problems).toEqual([
      expect.objectContaining({ variable: "SLACK_WEBHOOK_URL", effect: "closed" }),
    ]);
    // Never a dry run in disguise: the routes that would send refuse (ConfigError → 500).
    expect(sendingBlocker(config)).toBeInstanceOf(ConfigError);
    expect(sendingBlocker(config)?.variable).toBe("SLACK_WEBHOOK_URL");
    expect(JSON.stringify(config.problems)).not.toContain("very-secret-token");
    expect(sendingBlocker(config)?.message).not.toContain("very-secret-token");
  });

  it.each(["GITLAB_WEBHOOK_TOKEN", "GITHUB_WEBHOOK_SECRET", "VIGIE_STATUS_TOKEN", "SLACK_BOT_TOKEN"])(
    "%s with a character that is not ASCII is refused with why, never quoting it",
    (name) => {
      const config = loadConfig({ [name]: "s\u00e9cret-t\u2019oken" });
      expect(config.problems).toEqual([
        expect.objectContaining({
          variable: name,
          message: expect.stringMatching(/not printable ASCII.*HTTP headers/),
        }),
      ]);
      expect(JSON.stringify(config.problems)).not.toContain("cret-t");
      expect(loadConfig({ [name]: "plain-ascii_secret!" }).problems).toEqual([]);
    },
  );

  it("logs each problem once per parse, as an error naming the variable", () => {
    const logger = memoryLogger();
    const env = { REMINDER_HOURS: "abc", GITHUB_ORG: "acme" };
    loadConfig(env, logger.log);
    loadConfig({ ...env }, logger.log);
    expect(logger.lines).toEqual([
      expect.objectContaining({
        level: "error",
        msg: "configuration problem",
        variable: "REMINDER_HOURS",
        effect: "default",
      }),
      expect.objectContaining({
        level: "error",
        msg: "configuration problem",
        variable: "GITHUB_TOKEN",
        feature: "redelivery",
        effect: "off",
      }),
    ]);
  });

  // Issue 13: "GITHUB_TOKEN set without GITHUB_ORG: one optional feature misconfigured stops every notification".
  it.each<[string, Record<string, string>, string | null]>([
    ["the token alone (it serves other features): off, no problem", { GITHUB_TOKEN: "t" }, null],
    ["the organisation without the token", { GITHUB_ORG: "acme", GITHUB_HOOK_ID: "1" }, "GITHUB_TOKEN"],
    [
      "the token and organisation without a hook id",
      { GITHUB_TOKEN: "t", GITHUB_ORG: "acme" },
      "GITHUB_HOOK_ID",
    ],
    [
      "a hook id that is not a number",
      { GITHUB_TOKEN: "t", GITHUB_ORG: "acme", GITHUB_HOOK_ID: "abc" },
      "GITHUB_HOOK_ID",
    ],
  ])("redelivery with %s is switched off, and nothing else is", (_, env, variable) => {
    const config = loadConfig(env);
    expect(config.githubRedelivery).toBeNull();
    expect(config.problems.map((p) => p.variable)).toEqual(variable === null ? [] : [variable]);
    expect(config.problems.every((p) => p.effect === "off")).toBe(true);
    expect(sendingBlocker(config)).toBeNull();
  });

  it("GITHUB_TOKEN alone turns on the failed jobs lookup (issue 12), at GITHUB_API_URL; an unusable URL turns it off", () => {
    expect(loadConfig({ GITHUB_TOKEN: "t" }).githubJobs).toEqual({
      token: "t",
      apiUrl: "https://api.github.com",
    });
    expect(loadConfig({ GITHUB_TOKEN: "t", GITHUB_API_URL: "http://127.0.0.1:9/api" }).githubJobs).toEqual({
      token: "t",
      apiUrl: "http://127.0.0.1:9/api",
    });
    expect(loadConfig({}).githubJobs).toBeNull();
    const broken = loadConfig({ GITHUB_TOKEN: "t", GITHUB_API_URL: "ftp://x" });
    expect(broken.githubJobs).toBeNull();
    expect(broken.problems.map((p) => [p.variable, p.effect])).toEqual([["GITHUB_API_URL", "off"]]);
  });

  it("a previous secret alone is a problem and keeps the route closed", () => {
    const config = loadConfig({ NETLIFY_WEBHOOK_SECRET_PREVIOUS: "old" });
    expect(config.netlifySecrets).toEqual([]);
    expect(config.problems).toEqual([
      expect.objectContaining({
        variable: "NETLIFY_WEBHOOK_SECRET_PREVIOUS",
        feature: "netlify",
        effect: "off",
      }),
    ]);
  });

  it.each<[string, string[]]>([
    ["main,release/**", ["main", "release/**"]],
    ["main release/*", ["main", "release/*"]],
    [" main ,\n release ", ["main", "release"]],
    ["refs/heads/main", ["main"]],
  ])("BRANCHES=%j watches %j", (value, globs) => {
    const config = loadConfig({ BRANCHES: value });
    expect(config.problems).toEqual([]);
    expect(config.branches?.map(({ glob }) => glob)).toEqual(globs);
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
    expect(config.branches?.map(({ glob }) => glob)).toEqual(["main", "release/*"]);
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
