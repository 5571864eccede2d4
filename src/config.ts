import { pipe, string, transform, url, type ZodMiniType } from "zod/mini";
import { ConfigError } from "./errors.ts";

export { ConfigError };

/**
 * Environment → Config, validated once per distinct environment. Every error names the variable, so an
 * operator knows what to fix. Secrets are not required here: each webhook route checks its own secret
 * and fails closed (500) when it is missing, so a missing Netlify secret never breaks the GitHub route.
 */
export interface Config {
  /** Current secret first, then the previous one (rotation). Empty when unset. */
  readonly githubSecrets: readonly string[];
  readonly netlifySecrets: readonly string[];
  /** GitLab: the hooks' "Secret token" (X-Gitlab-Token), and the optional `whsec_` signing tokens. */
  readonly gitlabTokens: readonly string[];
  readonly gitlabSigningTokens: readonly string[];
  /** null: dry run, messages are logged instead of sent. */
  readonly slackWebhookUrl: string | null;
  readonly notifyConclusions: ReadonlySet<string>;
  /** null: every branch. */
  readonly branches: readonly RegExp[] | null;
  readonly branchGlobs: readonly string[] | null;
  readonly notifyRecovery: boolean;
  readonly reminderHours: number;
  readonly stormThreshold: number;
  readonly stormWindowSeconds: number;
  readonly stormGroupWaitSeconds: number;
  readonly maxBodyBytes: number;
  readonly port: number;
  /** Optional automatic redelivery of failed GitHub deliveries by the sweep. */
  readonly githubRedelivery: { token: string; org: string; hookId: number; apiUrl: string } | null;
}

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_NOTIFY_CONCLUSIONS = "failure,timed_out,startup_failure";
/** The conclusions that may notify; the others (cancelled, skipped, ...) always stay silent. */
export const FAILURE_CONCLUSIONS = ["failure", "timed_out", "startup_failure"] as const;
/** Conclusions GitHub documents for a completed run; anything else in NOTIFY_CONCLUSIONS is a typo. */
export const GITHUB_CONCLUSIONS = [
  "success",
  "failure",
  "neutral",
  "cancelled",
  "skipped",
  "timed_out",
  "action_required",
  "stale",
  "startup_failure",
] as const;

const list = (value: string): string[] =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

/**
 * Branch globs as GitHub's workflow filters read them: `*` matches anything but `/`, `**` matches
 * anything, `?` one character. https://docs.github.com/actions/reference/workflow-syntax-for-github-actions#filter-pattern-cheat-sheet
 */
export const globToRegExp = (glob: string): RegExp => {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === "*" && glob[i + 1] === "*") {
      source += ".*";
      i++;
    } else if (char === "*") {
      source += "[^/]*";
    } else if (char === "?") {
      source += "[^/]";
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
};

const integer = (min: number): ZodMiniType<number, string> =>
  pipe(
    string(),
    transform((value: string, ctx) => {
      const trimmed = value.trim();
      const parsed = /^-?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
      if (!Number.isSafeInteger(parsed) || parsed < min) {
        ctx.issues.push({
          code: "custom",
          input: value,
          message: `must be a whole number ≥ ${min}, got "${value}"`,
        });
        return 0;
      }
      return parsed;
    }),
  );

let flagSchema: ZodMiniType<boolean, string> | null = null;
const flag = (): ZodMiniType<boolean, string> =>
  (flagSchema ??= pipe(
    string(),
    transform((value: string, ctx) => {
      const normalised = value.trim().toLowerCase();
      if (["true", "1", "yes", "on"].includes(normalised)) return true;
      if (["false", "0", "no", "off"].includes(normalised)) return false;
      ctx.issues.push({ code: "custom", input: value, message: `must be true or false, got "${value}"` });
      return false;
    }),
  ));

let httpUrlSchema: ZodMiniType<string, string> | null = null;
const httpUrl = (): ZodMiniType<string, string> =>
  (httpUrlSchema ??= pipe(string(), url({ protocol: /^https?$/, message: "must be an http(s) URL" })));

const parseVariable = <T>(env: Env, name: string, schema: ZodMiniType<T, string>, fallback: string): T => {
  const raw = env[name];
  const value = raw === undefined || raw.trim() === "" ? fallback : raw;
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ConfigError(name, result.error.issues[0]?.message ?? "invalid value");
  }
  return result.data;
};

/** No current secret, no secrets at all: a previous secret alone must not keep a route open (fail closed). */
const secrets = (env: Env, name: string): string[] =>
  env[name]
    ? [env[name], env[`${name}_PREVIOUS`]].filter(
        (secret): secret is string => secret !== undefined && secret !== "",
      )
    : [];

/**
 * GitLab's signing token is `whsec_` then the base64 of a 32-byte key
 * (https://gitlab.com/gitlab-org/gitlab/-/merge_requests/231325); standardwebhooks decodes it strictly.
 */
const SIGNING_TOKEN = /^whsec_(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const signingTokens = (env: Env, name: string): string[] => {
  // The signing check is optional: a previous token alone must not silently switch it off.
  if (!env[name]?.trim() && env[`${name}_PREVIOUS`]?.trim()) {
    throw new ConfigError(`${name}_PREVIOUS`, `is set without ${name}: set the current signing token too`);
  }
  const tokens = secrets(env, name).map((token) => token.trim());
  for (const [index, token] of tokens.entries()) {
    if (token === "whsec_" || !SIGNING_TOKEN.test(token)) {
      // The value is not echoed: it is a secret.
      throw new ConfigError(
        index === 0 ? name : `${name}_PREVIOUS`,
        "must be the webhook's signing token: whsec_ followed by base64 (value not shown, it is a secret)",
      );
    }
  }
  return tokens;
};

const parseConfig = (env: Env): Config => {
  const conclusions = list(
    env.NOTIFY_CONCLUSIONS?.trim() ? env.NOTIFY_CONCLUSIONS : DEFAULT_NOTIFY_CONCLUSIONS,
  );
  for (const conclusion of conclusions) {
    if (!(FAILURE_CONCLUSIONS as readonly string[]).includes(conclusion)) {
      throw new ConfigError(
        "NOTIFY_CONCLUSIONS",
        (GITHUB_CONCLUSIONS as readonly string[]).includes(conclusion)
          ? `"${conclusion}" can never notify: only ${FAILURE_CONCLUSIONS.join(", ")} can be chosen`
          : `unknown conclusion "${conclusion}"; choose among ${FAILURE_CONCLUSIONS.join(", ")}`,
      );
    }
  }
  const slack = env.SLACK_WEBHOOK_URL?.trim() ? env.SLACK_WEBHOOK_URL.trim() : null;
  if (slack !== null && !httpUrl().safeParse(slack).success) {
    // The value itself is never echoed: a Slack webhook URL is a secret.
    throw new ConfigError("SLACK_WEBHOOK_URL", "must be an http(s) URL (value not shown, it is a secret)");
  }
  const branchGlobs = env.BRANCHES?.trim() ? list(env.BRANCHES) : null;
  const redelivery = [env.GITHUB_TOKEN, env.GITHUB_ORG, env.GITHUB_HOOK_ID].filter((v) => v?.trim());
  if (redelivery.length > 0 && redelivery.length < 3) {
    throw new ConfigError(
      "GITHUB_TOKEN",
      "automatic redelivery needs all of GITHUB_TOKEN, GITHUB_ORG and GITHUB_HOOK_ID (or none of them)",
    );
  }
  return {
    githubSecrets: secrets(env, "GITHUB_WEBHOOK_SECRET"),
    netlifySecrets: secrets(env, "NETLIFY_WEBHOOK_SECRET"),
    gitlabTokens: secrets(env, "GITLAB_WEBHOOK_TOKEN"),
    gitlabSigningTokens: signingTokens(env, "GITLAB_SIGNING_TOKEN"),
    slackWebhookUrl: slack,
    notifyConclusions: new Set(conclusions),
    branchGlobs,
    branches: branchGlobs?.map(globToRegExp) ?? null,
    notifyRecovery: parseVariable(env, "NOTIFY_RECOVERY", flag(), "true"),
    reminderHours: parseVariable(env, "REMINDER_HOURS", integer(0), "24"),
    stormThreshold: parseVariable(env, "STORM_THRESHOLD", integer(0), "5"),
    stormWindowSeconds: parseVariable(env, "STORM_WINDOW_SECONDS", integer(1), "60"),
    stormGroupWaitSeconds: parseVariable(env, "STORM_GROUP_WAIT_SECONDS", integer(0), "30"),
    maxBodyBytes: parseVariable(env, "MAX_BODY_BYTES", integer(1), "1048576"),
    port: parseVariable(env, "PORT", integer(1), "8888"),
    githubRedelivery:
      redelivery.length === 3
        ? {
            token: (env.GITHUB_TOKEN as string).trim(),
            org: (env.GITHUB_ORG as string).trim(),
            hookId: parseVariable(env, "GITHUB_HOOK_ID", integer(1), "0"),
            apiUrl: parseVariable(env, "GITHUB_API_URL", httpUrl(), "https://api.github.com").replace(
              /\/+$/,
              "",
            ),
          }
        : null,
  };
};

/** The variables Config reads; the cache key is their values, so tests may change env between calls. */
export const CONFIG_VARIABLES = [
  "GITHUB_WEBHOOK_SECRET",
  "GITHUB_WEBHOOK_SECRET_PREVIOUS",
  "NETLIFY_WEBHOOK_SECRET",
  "NETLIFY_WEBHOOK_SECRET_PREVIOUS",
  "GITLAB_WEBHOOK_TOKEN",
  "GITLAB_WEBHOOK_TOKEN_PREVIOUS",
  "GITLAB_SIGNING_TOKEN",
  "GITLAB_SIGNING_TOKEN_PREVIOUS",
  "SLACK_WEBHOOK_URL",
  "NOTIFY_CONCLUSIONS",
  "BRANCHES",
  "NOTIFY_RECOVERY",
  "REMINDER_HOURS",
  "STORM_THRESHOLD",
  "STORM_WINDOW_SECONDS",
  "STORM_GROUP_WAIT_SECONDS",
  "MAX_BODY_BYTES",
  "PORT",
  "GITHUB_TOKEN",
  "GITHUB_ORG",
  "GITHUB_HOOK_ID",
  "GITHUB_API_URL",
] as const;

let cached: { key: string; config: Config } | null = null;

/** Parses the environment once; a later call with the same values returns the same Config. */
export const loadConfig = (env: Env = process.env): Config => {
  const key = CONFIG_VARIABLES.map((name) => env[name] ?? "\u0000").join("\u0001");
  if (cached?.key === key) return cached.config;
  const config = parseConfig(env);
  cached = { key, config };
  return config;
};
