import {
  type BranchGlob,
  baseUrl,
  branches,
  conclusions,
  flag,
  httpUrl,
  integer,
  type MentionsBy,
  mentionsBy,
  secretText,
  signingToken,
  slackUsers,
  text,
  type ValueSchema,
} from "./values.ts";

/**
 * Every environment variable vigie reads, in one table: parsing (src/config.ts), the cache key, the
 * `npm start` banner, `npm run doctor` and the README's variable table derive from it (a unit test
 * fails when the README and this table disagree).
 */
export type Feature =
  | "core"
  | "github"
  | "netlify"
  | "gitlab"
  | "slack"
  | "redelivery"
  | "github-api"
  | "status"
  | "actions"
  | "apis"
  | "tools"
  | "local";

export const FEATURES: Readonly<Record<Feature, string>> = {
  core: "core",
  github: "GitHub route",
  netlify: "Netlify route",
  gitlab: "GitLab route",
  slack: "Slack",
  redelivery: "redelivery",
  "github-api": "GitHub API",
  status: "status route",
  actions: "Slack actions",
  apis: "log excerpts, re-runs, setup, doctor",
  tools: "setup, doctor",
  local: "npm start",
};

/**
 * What vigie does with a value it cannot use:
 * - `default`: a core setting with a safe default falls back to it, loudly (an error log line, the banner);
 * - `off`: an optional feature is switched off, loudly; notifications go on;
 * - `closed`: nothing is sent until it is fixed (a wrong Slack URL must not look like a dry run);
 * - `route`: the route of its feature refuses every delivery until it is fixed (a check that cannot be
 *   made must not be skipped), the other routes go on.
 */
export type OnInvalid = "default" | "off" | "closed" | "route";

export interface Variable<
  T = unknown,
  D extends string | null = string | null,
  O extends OnInvalid = OnInvalid,
> {
  readonly feature: Feature;
  /** Never logged, echoed or printed; its problems never quote it. */
  readonly secret: boolean;
  /** The value used when unset or blank, written as in the environment; null: unset. */
  readonly default: D;
  /** Shown in the README when `default` is null ("all", "—"...). */
  readonly defaultText?: string;
  readonly onInvalid: O;
  readonly schema: () => ValueSchema<T>;
  /** One line for the README table (Markdown). */
  readonly meaning: string;
}

const variable = <T, D extends string | null, O extends OnInvalid>(
  spec: Variable<T, D, O>,
): Variable<T, D, O> => spec;

const secret = (feature: Feature, meaning: string) =>
  variable({ feature, secret: true, default: null, onInvalid: "off", schema: secretText, meaning });

export const VARIABLES = {
  GITHUB_WEBHOOK_SECRET: secret(
    "github",
    "HMAC secret of the organisation webhook. Unset or empty: every GitHub request gets 500 and a log line naming the variable (fail closed).",
  ),
  GITHUB_WEBHOOK_SECRET_PREVIOUS: secret(
    "github",
    "Also accepted, for rotating the secret without downtime (only while `GITHUB_WEBHOOK_SECRET` is set).",
  ),
  NETLIFY_WEBHOOK_SECRET: secret(
    "netlify",
    "JWS secret token of the Netlify notifications; same fail-closed rule.",
  ),
  NETLIFY_WEBHOOK_SECRET_PREVIOUS: secret("netlify", "Rotation, as above."),
  GITLAB_WEBHOOK_TOKEN: secret(
    "gitlab",
    'The GitLab webhook\'s "Secret token" (`X-Gitlab-Token`), compared in constant time; same fail-closed rule.',
  ),
  GITLAB_WEBHOOK_TOKEN_PREVIOUS: secret("gitlab", "Rotation, as above."),
  GITLAB_SIGNING_TOKEN: variable({
    feature: "gitlab",
    secret: true,
    default: null,
    onInvalid: "route",
    schema: signingToken,
    meaning:
      "Optional (GitLab ≥ 19.0): the webhook's signing token, `whsec_…`. When set, a valid Standard Webhooks signature no older than 5 minutes is required as well. A malformed value closes the GitLab route (500) until it is fixed.",
  }),
  GITLAB_SIGNING_TOKEN_PREVIOUS: variable({
    feature: "gitlab",
    secret: true,
    default: null,
    onInvalid: "route",
    schema: signingToken,
    meaning: "Rotation, as above (only with `GITLAB_SIGNING_TOKEN`).",
  }),
  SLACK_WEBHOOK_URL: variable({
    feature: "slack",
    secret: true,
    default: null,
    onInvalid: "closed",
    schema: httpUrl,
    meaning:
      "Slack incoming webhook (any http(s) URL): the `default` destination. Unset: `default` is a **dry run**, its messages are printed to the log. Invalid: nothing is sent (deliveries that would send get 500, so GitHub can redeliver them) until it is fixed. Never logged. Named destinations are `SLACK_WEBHOOK_URL_<NAME>` (`NAME` in `A-Z0-9_`), with the same rules; see [Where messages go](#where-messages-go). `TEAMS_WEBHOOK_URL_<NAME>`, `DISCORD_WEBHOOK_URL_<NAME>` and `JSON_WEBHOOK_URL_<NAME>` (+ `JSON_WEBHOOK_SECRET_<NAME>`) are destinations of other kinds, in the same namespace: see [Teams, Discord and JSON receivers](#teams-discord-and-json-receivers).",
  }),
  SLACK_WEBHOOK_FORMAT: variable({
    feature: "slack",
    secret: false,
    default: "blocks",
    onInvalid: "default",
    schema: text,
    meaning:
      "`attachments` for a Mattermost (or other Slack-compatible) hook that does not render Block Kit; `SLACK_WEBHOOK_FORMAT_<NAME>` for a named destination.",
  }),
  ROUTES: variable({
    feature: "slack",
    secret: false,
    default: null,
    defaultText: "all to `default`",
    onInvalid: "closed",
    schema: text,
    meaning:
      "Where each run's messages go: `field:glob … -> NAME[,NAME…]` rules separated by `;` or newlines, first match wins ([Where messages go](#where-messages-go)). A rule naming an unknown destination: nothing is sent until it is fixed.",
  }),
  SLACK_MENTIONS: variable({
    feature: "slack",
    secret: false,
    default: null,
    onInvalid: "off",
    schema: text,
    meaning:
      "`who=SlackUserId` pairs separated by `,` (who: GitHub login, GitLab username or commit author e-mail): the person who triggered a failed run is mentioned. Invalid: no mentions.",
  }),
  SLACK_MENTIONS_BY: variable<MentionsBy, "any", "default">({
    feature: "slack",
    secret: false,
    default: "any",
    onInvalid: "default",
    schema: mentionsBy,
    meaning:
      "`any`: a run's trigger is looked up in `SLACK_MENTIONS` by login/username, then by the commit author's e-mail (which anyone who pushes can set); `login`: by the authenticated login/username only.",
  }),
  SLACK_BOT_TOKEN: variable({
    feature: "slack",
    secret: true,
    default: null,
    onInvalid: "off",
    schema: secretText,
    meaning:
      "Optional Slack app token (`xoxb-…`, scope `chat:write`): channel ids (`#C…`) become destinations, with threads and updates in place. Never logged.",
  }),
  SLACK_API_URL: variable({
    feature: "slack",
    secret: false,
    default: "https://slack.com/api/",
    onInvalid: "closed",
    schema: httpUrl,
    meaning: "Slack Web API base URL for the Slack app (a proxy, or a local stand-in in tests).",
  }),
  NOTIFY_CONCLUSIONS: variable({
    feature: "core",
    secret: false,
    default: "failure,timed_out,startup_failure",
    onInvalid: "default",
    schema: conclusions,
    meaning:
      "GitHub conclusions that count as failures (a subset of these three; `cancelled`, `skipped`, `stale`, `neutral`, `action_required` never notify).",
  }),
  BRANCHES: variable<readonly BranchGlob[], null, "default">({
    feature: "core",
    secret: false,
    default: null,
    defaultText: "all",
    onInvalid: "default",
    schema: branches,
    meaning:
      "Globs of branches to watch, separated by commas or spaces (`*` stops at `/`, `**` does not; `refs/heads/` is stripped), e.g. `main,release/**`.",
  }),
  NOTIFY_RECOVERY: variable({
    feature: "core",
    secret: false,
    default: "true",
    onInvalid: "default",
    schema: flag,
    meaning: 'Send a "recovered" message when a failing stream succeeds again.',
  }),
  REMINDER_HOURS: variable({
    feature: "core",
    secret: false,
    default: "24",
    onInvalid: "default",
    schema: () => integer(0),
    meaning: "Remind about a stream still failing after this long, once per period; `0` disables.",
  }),
  STORM_THRESHOLD: variable({
    feature: "core",
    secret: false,
    default: "5",
    onInvalid: "default",
    schema: () => integer(0),
    meaning: "More new failure episodes than this within the window switch to grouped digests.",
  }),
  STORM_WINDOW_SECONDS: variable({
    feature: "core",
    secret: false,
    default: "60",
    onInvalid: "default",
    schema: () => integer(1),
    meaning: "The storm window.",
  }),
  STORM_GROUP_WAIT_SECONDS: variable({
    feature: "core",
    secret: false,
    default: "30",
    onInvalid: "default",
    schema: () => integer(0),
    meaning: "How long a digest collects before the sweep sends it (the next sweep, so up to a minute more).",
  }),
  MAX_BODY_BYTES: variable({
    feature: "core",
    secret: false,
    default: "1048576",
    onInvalid: "default",
    schema: () => integer(1),
    meaning: "Larger bodies get 413, checked before anything is hashed.",
  }),
  GITHUB_TOKEN: secret(
    "github-api",
    "GitHub API token. Alone: failure messages name the failed job and step (needs **Actions: read**, see [Connect GitHub](#connect-github-one-organisation-webhook)). With the next two, the sweep redelivers the hook's failed deliveries; `npm run setup -- github` and `npm run doctor` use it too.",
  ),
  GITHUB_ORG: variable({
    feature: "redelivery",
    secret: false,
    default: null,
    defaultText: "—",
    onInvalid: "off",
    schema: text,
    meaning: "The organisation owning the webhook (also the default `--org` of `npm run setup -- github`).",
  }),
  GITHUB_HOOK_ID: variable({
    feature: "redelivery",
    secret: false,
    default: null,
    defaultText: "—",
    onInvalid: "off",
    schema: () => integer(1),
    meaning: "The webhook's id (printed by `npm run setup -- github`).",
  }),
  GITHUB_API_URL: variable({
    feature: "github-api",
    secret: false,
    default: "https://api.github.com",
    onInvalid: "off",
    schema: baseUrl,
    meaning: "For GitHub Enterprise Server (`https://HOST/api/v3`).",
  }),
  SLACK_SIGNING_SECRET: secret(
    "actions",
    "The Slack app's signing secret: turns on `POST /slack/interactions` (unset: 404) and the Re-run, Mute and Acknowledge controls of failure messages posted with `SLACK_BOT_TOKEN` ([Act from Slack](#act-from-slack-re-run-mute-acknowledge)).",
  ),
  SLACK_SIGNING_SECRET_PREVIOUS: secret(
    "actions",
    "Also accepted, for rotating the signing secret (only while `SLACK_SIGNING_SECRET` is set).",
  ),
  SLACK_ACTION_USERS: variable({
    feature: "actions",
    secret: false,
    default: null,
    defaultText: "anyone in the channel",
    onInvalid: "off",
    schema: slackUsers,
    meaning:
      "Slack user ids (`U…`, comma-separated) allowed to use the controls; others are told they may not. Invalid: the controls refuse everyone until it is fixed.",
  }),
  AUTO_RERUN: variable({
    feature: "actions",
    secret: false,
    default: null,
    defaultText: "—",
    onInvalid: "off",
    schema: text,
    meaning:
      "Rules separated by `;`, like the left side of `ROUTES` plus `step:` and `job:` globs (`site:acme/* step:Upload*`): a matching failure is re-run once through the provider's API before anyone is told. Invalid: no automatic re-runs.",
  }),
  AUTO_RERUN_MAX_PER_HOUR: variable({
    feature: "actions",
    secret: false,
    default: "20",
    onInvalid: "default",
    schema: () => integer(0),
    meaning:
      "At most this many automatic re-runs per hour across all sites; beyond it, failures are announced at once.",
  }),
  VIGIE_STATUS_TOKEN: secret(
    "status",
    "Turns on `GET /status` (unset: 404); callers send it as a bearer token or as the password of HTTP Basic.",
  ),
  VIGIE_URL: variable({
    feature: "tools",
    secret: false,
    default: null,
    defaultText: "—",
    onInvalid: "off",
    schema: baseUrl,
    meaning: "The deployed vigie's base URL: the default `--url` of `npm run setup` and `npm run doctor`.",
  }),
  NETLIFY_AUTH_TOKEN: secret(
    "apis",
    "Netlify personal access token, for re-runs of production deploys (from Slack or `AUTO_RERUN`), `npm run setup -- netlify` and `npm run doctor`.",
  ),
  NETLIFY_API_URL: variable({
    feature: "apis",
    secret: false,
    default: "https://api.netlify.com/api/v1",
    onInvalid: "off",
    schema: baseUrl,
    meaning: "Netlify API base URL.",
  }),
  GITLAB_TOKEN: secret(
    "apis",
    "GitLab access token. Alone (`read_api`): failure messages show the failed job's log excerpt. With `api` scope, Maintainer or Owner of the group: `npm run setup -- gitlab` and `npm run doctor`; pipeline re-runs (from Slack or `AUTO_RERUN`) need `api` and Developer on the project.",
  ),
  GITLAB_API_URL: variable({
    feature: "apis",
    secret: false,
    default: "https://gitlab.com/api/v4",
    onInvalid: "off",
    schema: baseUrl,
    meaning: "GitLab API base URL (self-managed: `https://HOST/api/v4`).",
  }),
  PORT: variable({
    feature: "local",
    secret: false,
    default: "8888",
    onInvalid: "closed",
    schema: () => integer(1, 65_535),
    meaning: "Local port of `npm start` (and the default target of `npm run send`).",
  }),
  VIGIE_LOCAL_SWEEP: variable({
    feature: "local",
    secret: false,
    default: "true",
    onInvalid: "default",
    schema: flag,
    meaning: "Whether `npm start` runs the sweep every 60 s.",
  }),
} as const;

export type VariableName = keyof typeof VARIABLES;
export const VARIABLE_NAMES = Object.keys(VARIABLES) as VariableName[];

/**
 * A variable's value type: `undefined` when it has no default and is unset, or when a rejected value is
 * not replaced by the default (OnInvalid other than `default`).
 */
export type ValueOf<N extends VariableName> =
  (typeof VARIABLES)[N] extends Variable<infer T, infer D, infer O>
    ? D extends string
      ? O extends "default"
        ? T
        : T | undefined
      : T | undefined
    : never;
