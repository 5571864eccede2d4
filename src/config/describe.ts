import { type Config, parseConfig } from "../config.ts";
import { describeRouting } from "../routing/routing.ts";
import { type ConfigProblem, type Env, parseVariables } from "./parse.ts";
import { VARIABLE_NAMES, VARIABLES } from "./variables.ts";

/**
 * The configuration as an operator reads it: one line per feature (on, off, or a problem), then every
 * problem. `npm start` prints these lines in its banner and `npm run doctor` checks them, so both say the
 * same thing; values that are secrets are never shown, only whether they are set.
 */
export interface ConfigLine {
  /** `ok`: on and usable; `off`: not configured, on purpose or not; `problem`: something to fix. */
  readonly state: "ok" | "off" | "problem";
  readonly label: string;
  readonly text: string;
}

const SECRETS = {
  GitHub: (config: Config) => config.githubSecrets,
  Netlify: (config: Config) => config.netlifySecrets,
  GitLab: (config: Config) => config.gitlabTokens,
} as const;

const route = (config: Config, name: keyof typeof SECRETS, variable: string, path: string): ConfigLine =>
  SECRETS[name](config).length > 0
    ? {
        state: "ok",
        label: `${name} route`,
        text: `POST ${path}, ${variable} set${name === "GitLab" && config.gitlabSigningTokens.length > 0 ? ", signatures required (GITLAB_SIGNING_TOKEN)" : ""}`,
      }
    : {
        state: "off",
        label: `${name} route`,
        text: `${variable} is unset: every ${name} delivery gets 500 (fail closed) until it is set`,
      };

const slack = (config: Config): ConfigLine => {
  const invalid = config.problems.find((p) => p.variable === "SLACK_WEBHOOK_URL");
  if (invalid) {
    return {
      state: "problem",
      label: "Slack",
      text: "SLACK_WEBHOOK_URL is not an http(s) URL: NOTHING IS SENT (deliveries that would send get 500) until it is fixed",
    };
  }
  const live = [...config.routing.destinations.values()].some((d) => d.kind !== "dry_run");
  if (config.slackWebhookUrl === null && live) {
    return {
      state: "ok",
      label: "Slack",
      text: "LIVE to the destinations below; default is a DRY RUN (SLACK_WEBHOOK_URL unset)",
    };
  }
  return config.slackWebhookUrl === null
    ? {
        state: "off",
        label: "Slack",
        text: "DRY RUN: SLACK_WEBHOOK_URL is unset, messages are printed in the log",
      }
    : { state: "ok", label: "Slack", text: "LIVE: messages go to SLACK_WEBHOOK_URL" };
};

/** The routing table (ROUTES, then each destination), when there is more than the one default. */
const routing = (config: Config): ConfigLine[] => {
  const { routing: table } = config;
  if (table.rules.length === 0 && table.destinations.size === 1) return [];
  return [
    {
      state: "ok",
      label: "Routes",
      text: "first match wins (npm run route -- <site> [branch] [source] [workflow])",
    },
    ...describeRouting(table).map((text): ConfigLine => ({ state: "ok", label: "", text })),
  ];
};

const rules = (config: Config): ConfigLine[] => [
  {
    state: "ok",
    label: "Branches",
    text:
      config.branches === null
        ? "every branch (BRANCHES unset)"
        : `${config.branches.map(({ glob }) => glob).join(", ")} (BRANCHES)`,
  },
  {
    state: "ok",
    label: "Rules",
    text: [
      `failures: ${[...config.notifyConclusions].join(", ")}`,
      `recovery messages ${config.notifyRecovery ? "on" : "off"}`,
      config.reminderHours === 0 ? "no reminders" : `reminders every ${config.reminderHours} h`,
      `storm beyond ${config.stormThreshold} new failures in ${config.stormWindowSeconds} s, digest after ${config.stormGroupWaitSeconds} s`,
    ].join("; "),
  },
];

const redelivery = (config: Config): ConfigLine => {
  const settings = config.githubRedelivery;
  if (settings) {
    return { state: "ok", label: "Redelivery", text: `on: org ${settings.org}, hook ${settings.hookId}` };
  }
  return config.problems.some((p) => p.feature === "redelivery" || p.variable === "GITHUB_TOKEN")
    ? { state: "problem", label: "Redelivery", text: "off: see the problems below" }
    : {
        state: "off",
        label: "Redelivery",
        text: "off (set GITHUB_TOKEN, GITHUB_ORG and GITHUB_HOOK_ID to turn it on)",
      };
};

/** The Slack controls and automatic re-runs (src/slack-actions/actions-config.ts). */
const actions = (config: Config): ConfigLine => {
  const { signingSecrets, users, autoRerun, autoRerunMaxPerHour } = config.actions;
  const rerun =
    autoRerun.length === 0
      ? ""
      : `; AUTO_RERUN: ${autoRerun.length} rule(s), at most ${autoRerunMaxPerHour}/h`;
  if (signingSecrets.length === 0) {
    return {
      state: "off",
      label: "Slack actions",
      text: `off: SLACK_SIGNING_SECRET is unset, messages carry no controls${rerun}`,
    };
  }
  if (config.routing.botToken === null) {
    return {
      state: "problem",
      label: "Slack actions",
      text: `POST /slack/interactions is on, but without SLACK_BOT_TOKEN no message carries controls and no click is answered${rerun}`,
    };
  }
  const who = users === null ? "anyone in the channel" : `${users.size} user(s) (SLACK_ACTION_USERS)`;
  return {
    state: "ok",
    label: "Slack actions",
    text: `POST /slack/interactions: Re-run, Mute, I'm on it, for ${who}${rerun}`,
  };
};

const status = (config: Config): ConfigLine =>
  config.statusToken === null
    ? {
        state: "off",
        label: "Status route",
        text: "off: VIGIE_STATUS_TOKEN is unset, GET /status answers 404",
      }
    : { state: "ok", label: "Status route", text: "GET /status, with VIGIE_STATUS_TOKEN" };

const problemLine = (problem: ConfigProblem): ConfigLine => ({
  state: "problem",
  label: problem.variable,
  text: problem.message,
});

/** Every line; `problems` are those of the runtime variables, then of the scripts' own (local, tools). */
export const describeConfig = (env: Env): { lines: ConfigLine[]; problems: ConfigProblem[] } => {
  const config = parseConfig(env);
  const scripts = parseVariables(
    env,
    VARIABLE_NAMES.filter((name) => ["tools", "local"].includes(VARIABLES[name].feature)),
  ).problems;
  const problems = [...config.problems, ...scripts];
  const lines = [
    route(config, "GitHub", "GITHUB_WEBHOOK_SECRET", "/webhooks/github"),
    route(config, "Netlify", "NETLIFY_WEBHOOK_SECRET", "/webhooks/netlify"),
    route(config, "GitLab", "GITLAB_WEBHOOK_TOKEN", "/webhooks/gitlab"),
    slack(config),
    ...routing(config),
    ...rules(config),
    redelivery(config),
    actions(config),
    status(config),
    ...problems.map(problemLine),
  ];
  if (Object.values(SECRETS).every((secretsOf) => secretsOf(config).length === 0)) {
    lines.push({
      state: "problem",
      label: "Routes",
      text: "no webhook secret is set: every route refuses deliveries (set GITHUB_WEBHOOK_SECRET, NETLIFY_WEBHOOK_SECRET or GITLAB_WEBHOOK_TOKEN)",
    });
  }
  return { lines, problems };
};

export const MARK: Readonly<Record<ConfigLine["state"], string>> = { ok: "✓", off: "–", problem: "✗" };

/** The lines of `npm start`'s banner: every feature, then every problem, marked ✓, – or ✗. */
export const configBanner = (env: Env): string[] => {
  const { lines } = describeConfig(env);
  const out = lines.map((line) => `  ${MARK[line.state]} ${line.label.padEnd(16)} ${line.text}`);
  if (lines.some((line) => line.state === "problem")) {
    out.push("  Fix what is marked ✗ (in .env or the environment), then restart.");
  }
  return out;
};
