import { type ConfigProblem, type Env, parseVariables } from "./config/parse.ts";
import type { BranchGlob } from "./config/values.ts";
import { type Feature, VARIABLE_NAMES, VARIABLES, type VariableName } from "./config/variables.ts";
import { ConfigError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { destinationVariables, parseRouting, type Routing } from "./routing/routing.ts";
import { type ActionsConfig, parseActions } from "./slack-actions/actions-config.ts";

export { FAILURE_CONCLUSIONS, GITHUB_CONCLUSIONS, globToRegExp } from "./config/values.ts";
export type { BranchGlob, ConfigProblem, Env };
export { ConfigError };

/**
 * Environment → Config, from the table in src/config/variables.ts, parsed once per distinct environment.
 * Parsing never throws: a value vigie cannot use is a `problem` (logged once as an error, listed by
 * `npm start`, `npm run doctor` and `GET /status`), and vigie does what its variable says (OnInvalid):
 * a core setting falls back to its default, an optional feature is switched off, and an invalid Slack
 * URL stops sending (`sendingBlocker`). Secrets are not required here: each webhook route checks its own
 * and fails closed, so a missing Netlify secret never breaks the GitHub route.
 */
export interface Config {
  /** Current secret first, then the previous one (rotation). Empty when unset. */
  readonly githubSecrets: readonly string[];
  readonly netlifySecrets: readonly string[];
  /** GitLab: the hooks' "Secret token" (X-Gitlab-Token), and the optional `whsec_` signing tokens. */
  readonly gitlabTokens: readonly string[];
  readonly gitlabSigningTokens: readonly string[];
  /** null: dry run, messages are logged instead of sent (unless `sendingBlocker` says otherwise). */
  readonly slackWebhookUrl: string | null;
  readonly notifyConclusions: ReadonlySet<string>;
  /** null: every branch. */
  readonly branches: readonly BranchGlob[] | null;
  readonly notifyRecovery: boolean;
  readonly reminderHours: number;
  readonly stormThreshold: number;
  readonly stormWindowSeconds: number;
  readonly stormGroupWaitSeconds: number;
  readonly maxBodyBytes: number;
  /** Optional automatic redelivery of failed GitHub deliveries by the sweep. */
  readonly githubRedelivery: { token: string; org: string; hookId: number; apiUrl: string } | null;
  /** What failed in a GitHub run (its jobs and steps), looked up with GITHUB_TOKEN alone. */
  readonly githubJobs: { token: string; apiUrl: string } | null;
  /** Why a GitLab job failed (its trace), read with GITLAB_TOKEN. */
  readonly gitlabJobs: { token: string; apiUrl: string } | null;
  /** null: `GET /status` is off (404). */
  readonly statusToken: string | null;
  /** Destinations, ROUTES, SLACK_MENTIONS, the Slack app (src/routing/routing.ts). */
  readonly routing: Routing;
  /** Controls in Slack, re-runs, AUTO_RERUN (src/slack-actions/actions-config.ts). */
  readonly actions: ActionsConfig;
  /** Every value that could not be used, and what vigie does instead. */
  readonly problems: readonly ConfigProblem[];
}

/** What the functions read; `tools` and `local` variables belong to the scripts. */
export const RUNTIME_VARIABLES: readonly VariableName[] = VARIABLE_NAMES.filter(
  (name) => VARIABLES[name].feature !== "tools" && VARIABLES[name].feature !== "local",
);

/** No current secret, no secrets at all: a previous secret alone must not keep a route open (fail closed). */
const secrets = (current: string | undefined, previous: string | undefined): string[] =>
  current === undefined ? [] : previous === undefined ? [current] : [current, previous];

const previousAlone = (
  name: VariableName,
  current: string | undefined,
  previous: string | undefined,
): ConfigProblem[] => {
  if (current !== undefined || previous === undefined) return [];
  // A previous signing token alone must not silently switch the signature check off: the route closes.
  const signing = name === "GITLAB_SIGNING_TOKEN";
  return [
    {
      variable: `${name}_PREVIOUS`,
      feature: VARIABLES[name].feature,
      message: signing
        ? `set without ${name}: set the current signing token too; the gitlab route refuses every delivery until then`
        : `set without ${name}: ignored (a previous secret alone never opens the route)`,
      effect: signing ? "route" : "off",
    },
  ];
};

export const parseConfig = (env: Env): Config => {
  const { values: v, problems } = parseVariables(env, RUNTIME_VARIABLES);
  problems.push(
    ...previousAlone("GITHUB_WEBHOOK_SECRET", v.GITHUB_WEBHOOK_SECRET, v.GITHUB_WEBHOOK_SECRET_PREVIOUS),
    ...previousAlone("NETLIFY_WEBHOOK_SECRET", v.NETLIFY_WEBHOOK_SECRET, v.NETLIFY_WEBHOOK_SECRET_PREVIOUS),
    ...previousAlone("GITLAB_WEBHOOK_TOKEN", v.GITLAB_WEBHOOK_TOKEN, v.GITLAB_WEBHOOK_TOKEN_PREVIOUS),
    ...previousAlone("GITLAB_SIGNING_TOKEN", v.GITLAB_SIGNING_TOKEN, v.GITLAB_SIGNING_TOKEN_PREVIOUS),
  );
  // Redelivery needs the token, the organisation and the hook id. The token alone is not a problem (the
  // GitHub API serves other features); the organisation or hook id without the rest is one.
  const redelivery = {
    GITHUB_TOKEN: v.GITHUB_TOKEN,
    GITHUB_ORG: v.GITHUB_ORG,
    GITHUB_HOOK_ID: v.GITHUB_HOOK_ID,
  };
  const missing = Object.entries(redelivery)
    .filter(([name, value]) => value === undefined && !problems.some((p) => p.variable === name))
    .map(([name]) => name);
  const usable =
    missing.length === 0 &&
    v.GITHUB_API_URL !== undefined &&
    !problems.some((p) => p.feature === "redelivery");
  const [firstMissing] = missing;
  if (
    !usable &&
    (v.GITHUB_ORG !== undefined || v.GITHUB_HOOK_ID !== undefined) &&
    firstMissing !== undefined
  ) {
    problems.push({
      variable: firstMissing,
      feature: "redelivery",
      message: `automatic redelivery needs GITHUB_TOKEN, GITHUB_ORG and GITHUB_HOOK_ID; ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} missing: redelivery is off`,
      effect: "off",
    });
  }
  const routed = parseRouting(env, {
    defaultUrl: v.SLACK_WEBHOOK_URL ?? null,
    apiUrl: v.SLACK_API_URL,
    mentionsBy: v.SLACK_MENTIONS_BY,
  });
  problems.push(...routed.problems.map((problem) => ({ ...problem, feature: "slack" as const })));
  return {
    githubSecrets: secrets(v.GITHUB_WEBHOOK_SECRET, v.GITHUB_WEBHOOK_SECRET_PREVIOUS),
    netlifySecrets: secrets(v.NETLIFY_WEBHOOK_SECRET, v.NETLIFY_WEBHOOK_SECRET_PREVIOUS),
    gitlabTokens: secrets(v.GITLAB_WEBHOOK_TOKEN, v.GITLAB_WEBHOOK_TOKEN_PREVIOUS),
    gitlabSigningTokens: secrets(v.GITLAB_SIGNING_TOKEN, v.GITLAB_SIGNING_TOKEN_PREVIOUS),
    slackWebhookUrl: v.SLACK_WEBHOOK_URL ?? null,
    notifyConclusions: v.NOTIFY_CONCLUSIONS,
    branches: v.BRANCHES ?? null,
    notifyRecovery: v.NOTIFY_RECOVERY,
    reminderHours: v.REMINDER_HOURS,
    stormThreshold: v.STORM_THRESHOLD,
    stormWindowSeconds: v.STORM_WINDOW_SECONDS,
    stormGroupWaitSeconds: v.STORM_GROUP_WAIT_SECONDS,
    maxBodyBytes: v.MAX_BODY_BYTES,
    githubRedelivery:
      usable && v.GITHUB_TOKEN !== undefined && v.GITHUB_ORG !== undefined && v.GITHUB_HOOK_ID !== undefined
        ? {
            token: v.GITHUB_TOKEN,
            org: v.GITHUB_ORG,
            hookId: v.GITHUB_HOOK_ID,
            apiUrl: v.GITHUB_API_URL,
          }
        : null,
    githubJobs:
      v.GITHUB_TOKEN !== undefined && v.GITHUB_API_URL !== undefined
        ? { token: v.GITHUB_TOKEN, apiUrl: v.GITHUB_API_URL }
        : null,
    gitlabJobs:
      v.GITLAB_TOKEN !== undefined && v.GITLAB_API_URL !== undefined
        ? { token: v.GITLAB_TOKEN, apiUrl: v.GITLAB_API_URL }
        : null,
    statusToken: v.VIGIE_STATUS_TOKEN ?? null,
    routing: routed.routing,
    actions: parseActions(v, problems),
    problems,
  };
};

/**
 * The problem that stops every send (an invalid Slack URL: better no message than one that silently goes
 * nowhere), as the error a route that would send throws; null when sending may go on.
 */
export const sendingBlocker = (config: Config): ConfigError | null => {
  const problem = config.problems.find((p) => p.effect === "closed");
  return problem ? new ConfigError(problem.variable, problem.message) : null;
};

/**
 * The problem that closes one route (a GitLab signing token that cannot be used: the signature check must
 * not be skipped), as the error that route throws; null when the route may work.
 */
export const routeBlocker = (config: Config, route: Feature): ConfigError | null => {
  const problem = config.problems.find((p) => p.effect === "route" && p.feature === route);
  return problem ? new ConfigError(problem.variable, problem.message) : null;
};

let cached: { env: Env; key: string; config: Config } | null = null;

/**
 * The function's environment, copied and frozen at its first use: on Netlify (and in each worker of the
 * local runtime) it is set before the function starts and never changes, so loadConfig may recognise it
 * by identity instead of comparing its values at every delivery.
 */
let frozenEnv: Env | null = null;
export const functionEnv = (): Env => {
  frozenEnv ??= Object.freeze({ ...process.env });
  return frozenEnv;
};

/**
 * Parses the environment once; a later call with the same values returns the same Config. The key is the
 * values of the table's variables, so tests may change env between calls. Each problem is logged once per
 * parse (per process, in a function), as an error naming the variable.
 */
export const loadConfig = (env: Env = process.env, log?: Logger): Config => {
  // A frozen environment (the function's, see `functionEnv`) cannot change: the same object, the same Config,
  // without reading its ≈ 40 variables again (a few µs per delivery, on the ignored path too).
  if (cached?.env === env && Object.isFrozen(env)) return cached.config;
  // Named destinations (SLACK_WEBHOOK_URL_<NAME>) are not in the table: their names are part of the key.
  const key = [...RUNTIME_VARIABLES, ...destinationVariables(env)]
    .map((name) => `${name}=${env[name] ?? "\u0000"}`)
    .join("\u0001");
  if (cached?.key === key) return cached.config;
  const config = parseConfig(env);
  cached = { env, key, config };
  for (const problem of config.problems) {
    log?.("error", "configuration problem", {
      variable: problem.variable,
      feature: problem.feature,
      problem: problem.message,
      effect: problem.effect,
    });
  }
  return config;
};
