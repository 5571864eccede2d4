import type { ConfigProblem, Values } from "../config/parse.ts";
import { AutoRerunError, type AutoRerunRule, parseAutoRerun } from "../rerun/auto-rerun-rules.ts";
import type { RerunCredentials } from "../rerun/rerun.ts";

/**
 * Acting from Slack and automatic re-runs (docs/architecture.md, "Acting from Slack"), from the variables
 * of the table: the signing secrets (none: `POST /slack/interactions` answers 404 and messages carry no
 * controls), who may act, the AUTO_RERUN rules and their hourly bound, and the API tokens re-runs use.
 */
export interface ActionsConfig {
  /** SLACK_SIGNING_SECRET then SLACK_SIGNING_SECRET_PREVIOUS; empty: off. Secrets. */
  readonly signingSecrets: readonly string[];
  /** null: anyone who sees the message; a set (empty when SLACK_ACTION_USERS is invalid): only those. */
  readonly users: ReadonlySet<string> | null;
  readonly autoRerun: readonly AutoRerunRule[];
  readonly autoRerunMaxPerHour: number;
  readonly rerun: RerunCredentials;
}

const credentials = (token: string | undefined, apiUrl: string | undefined) =>
  token === undefined || apiUrl === undefined ? null : { token, apiUrl };

/** Parses the actions' variables; their problems are added to `problems`. */
export const parseActions = (v: Values, problems: ConfigProblem[]): ActionsConfig => {
  const current = v.SLACK_SIGNING_SECRET;
  const previous = v.SLACK_SIGNING_SECRET_PREVIOUS;
  if (current === undefined && previous !== undefined) {
    problems.push({
      variable: "SLACK_SIGNING_SECRET_PREVIOUS",
      feature: "actions",
      message: "set without SLACK_SIGNING_SECRET: ignored (a previous secret alone never opens the route)",
      effect: "off",
    });
  }
  let autoRerun: AutoRerunRule[] = [];
  try {
    autoRerun = parseAutoRerun(v.AUTO_RERUN);
  } catch (error) {
    if (!(error instanceof AutoRerunError)) throw error;
    problems.push({
      variable: "AUTO_RERUN",
      feature: "actions",
      message: `${error.message}; no automatic re-runs until it is fixed`,
      effect: "off",
    });
  }
  const usersInvalid = problems.some((p) => p.variable === "SLACK_ACTION_USERS");
  return {
    signingSecrets: current === undefined ? [] : previous === undefined ? [current] : [current, previous],
    users: usersInvalid ? new Set() : (v.SLACK_ACTION_USERS ?? null),
    autoRerun,
    autoRerunMaxPerHour: v.AUTO_RERUN_MAX_PER_HOUR,
    rerun: {
      github: credentials(v.GITHUB_TOKEN, v.GITHUB_API_URL),
      gitlab: credentials(v.GITLAB_TOKEN, v.GITLAB_API_URL),
      netlify: credentials(v.NETLIFY_AUTH_TOKEN, v.NETLIFY_API_URL),
    },
  };
};
