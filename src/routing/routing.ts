import { httpUrl } from "../slack/escape.ts";
import { MentionError, parseMentions } from "./mentions.ts";
import {
  CHANNEL_ID,
  DEFAULT_DESTINATION,
  DESTINATION_NAME,
  parseRoutes,
  RouteError,
  type RouteRule,
} from "./routes.ts";

/**
 * Where messages go, from the environment (docs/architecture.md, "Where messages go"):
 * - `SLACK_WEBHOOK_URL`: the `default` destination; unset, `default` is a dry run (messages logged).
 * - `SLACK_WEBHOOK_URL_<NAME>`: a named destination; `SLACK_WEBHOOK_FORMAT_<NAME>=attachments` (or
 *   `SLACK_WEBHOOK_FORMAT` for the default) sends Slack's legacy attachments instead of Block Kit, which
 *   Mattermost and other Slack-compatible hooks render.
 * - `TEAMS_WEBHOOK_URL_<NAME>`, `DISCORD_WEBHOOK_URL_<NAME>`, `JSON_WEBHOOK_URL_<NAME>` (+
 *   `JSON_WEBHOOK_SECRET_<NAME>`): the other kinds (src/destinations/), named in the same namespace.
 * - `SLACK_BOT_TOKEN` (+ `SLACK_API_URL`): a Slack app; channel ids (`#C…`) become destinations.
 * - `ROUTES` (src/routing/routes.ts) and `SLACK_MENTIONS` (src/routing/mentions.ts).
 * Every problem names its variable (and ROUTES problems their rule); config.ts adds them to its problems.
 */
export type MessageFormat = "blocks" | "attachments";

/**
 * One destination. `webhook`: a Slack incoming webhook (Block Kit, or Slack's legacy attachments for
 * Mattermost); `channel`: a Slack channel through the Slack app; `teams`, `discord`, `json`: the other
 * kinds (src/destinations/); `dry_run`: `default` without SLACK_WEBHOOK_URL. URLs and secrets are secrets.
 */
export type Destination =
  | { readonly kind: "webhook"; readonly name: string; readonly url: string; readonly format: MessageFormat }
  | { readonly kind: "channel"; readonly name: string; readonly channel: string }
  | { readonly kind: "teams"; readonly name: string; readonly url: string }
  | { readonly kind: "discord"; readonly name: string; readonly url: string }
  | { readonly kind: "json"; readonly name: string; readonly url: string; readonly secret: string }
  /** `shows`: a named destination set to `dry-run`, whose kind's messages are printed in the log. */
  | { readonly kind: "dry_run"; readonly name: string; readonly shows?: DryRunShows };

/** The kinds a named destination set to `dry-run` can show. */
export type DryRunShows = "slack" | "teams" | "discord" | "json";
const SHOWS: Readonly<Record<NamedKind, DryRunShows>> = {
  webhook: "slack",
  teams: "teams",
  discord: "discord",
  json: "json",
};
/** A named destination's URL set to this prints its messages, as that kind would receive them. */
export const DRY_RUN_URL = "dry-run";

export interface Routing {
  /** Every destination a rule or the default can name, by canonical name. */
  readonly destinations: ReadonlyMap<string, Destination>;
  readonly rules: readonly RouteRule[];
  /** Lower-cased login or username, or hashed e-mail (mentions.ts) → Slack user id. */
  readonly mentions: ReadonlyMap<string, string>;
  /** A secret: never logged. */
  readonly botToken: string | null;
  /** Slack Web API base URL, ending with `/` as WebClient's `slackApiUrl` expects. */
  readonly apiUrl: string;
}

/**
 * A value routing cannot use, and what vigie does instead (the effects of src/config/variables.ts): a
 * destination or a rule that cannot be trusted stops every send (`closed`: better no message than one in
 * the wrong channel); a mention map that cannot be read is switched `off`; an unknown format falls back to
 * Block Kit (`default`). config.ts adds them to the configuration's problems.
 */
export interface RoutingProblem {
  readonly variable: string;
  readonly message: string;
  readonly effect: "closed" | "off" | "default";
}

export const DEFAULT_SLACK_API_URL = "https://slack.com/api/";
const URL_PREFIX = "SLACK_WEBHOOK_URL_";
const FORMAT_PREFIX = "SLACK_WEBHOOK_FORMAT_";
const SECRET_PREFIX = "JSON_WEBHOOK_SECRET_";

/**
 * The variable prefix of each kind of named destination. Their names share one namespace: `THEMES` is one
 * destination, whatever its kind (the same name under two prefixes is a configuration error).
 */
export const DESTINATION_PREFIXES = {
  webhook: URL_PREFIX,
  teams: "TEAMS_WEBHOOK_URL_",
  discord: "DISCORD_WEBHOOK_URL_",
  json: "JSON_WEBHOOK_URL_",
} as const;
type NamedKind = keyof typeof DESTINATION_PREFIXES;
const PREFIXES = [...Object.values(DESTINATION_PREFIXES), FORMAT_PREFIX, SECRET_PREFIX];

/** A Standard Webhooks secret: `whsec_` then base64 (as GitLab's signing token, src/config/values.ts). */
const WHSEC = /^whsec_(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

type Env = Readonly<Record<string, string | undefined>>;

const set = (value: string | undefined): string | null => (value?.trim() ? value.trim() : null);

/** The named destinations' variables present in `env` (the table in variables.ts has the fixed ones). */
export const destinationVariables = (env: Env): string[] =>
  Object.keys(env)
    .filter((name) => PREFIXES.some((prefix) => name.startsWith(prefix)))
    .sort();

export const parseRouting = (
  env: Env,
  settings: {
    /** SLACK_WEBHOOK_URL as the table parsed it (null: unset or invalid, a problem of its own). */
    readonly defaultUrl: string | null;
    /** SLACK_API_URL as the table parsed it (undefined: invalid, a problem of its own). */
    readonly apiUrl: string | undefined;
    /** SLACK_MENTIONS_BY: `login` leaves the e-mail keys of SLACK_MENTIONS out. */
    readonly mentionsBy?: "any" | "login" | undefined;
  },
): { routing: Routing; problems: RoutingProblem[] } => {
  const problems: RoutingProblem[] = [];
  const formatOf = (variable: string): MessageFormat => {
    const value = set(env[variable])?.toLowerCase() ?? "blocks";
    if (value === "blocks" || value === "attachments") return value;
    problems.push({
      variable,
      message: `must be blocks or attachments (Mattermost), got "${value}"; using blocks`,
      effect: "default",
    });
    return "blocks";
  };
  const destinations = new Map<string, Destination>();
  destinations.set(
    DEFAULT_DESTINATION,
    settings.defaultUrl === null
      ? { kind: "dry_run", name: DEFAULT_DESTINATION }
      : {
          kind: "webhook",
          name: DEFAULT_DESTINATION,
          url: settings.defaultUrl,
          format: formatOf("SLACK_WEBHOOK_FORMAT"),
        },
  );
  // Named destinations whose variable is set, usable or not: a rule naming one is not "unknown".
  const named = new Map<string, string>();
  for (const variable of destinationVariables(env)) {
    const kind = (Object.keys(DESTINATION_PREFIXES) as NamedKind[]).find((k) =>
      variable.startsWith(DESTINATION_PREFIXES[k]),
    );
    if (kind === undefined || set(env[variable]) === null) continue;
    const prefix = DESTINATION_PREFIXES[kind];
    const name = variable.slice(prefix.length);
    const closed = (message: string) =>
      problems.push({ variable, message: `${message}: nothing is sent until it is fixed`, effect: "closed" });
    if (!DESTINATION_NAME.test(name)) {
      closed(`the name after ${prefix} may only hold A-Z, 0-9 and _`);
      continue;
    }
    const other = named.get(name);
    if (other !== undefined) {
      closed(`destination ${name} is already ${other}: a name may be used by one destination only`);
      continue;
    }
    named.set(name, variable);
    const url = set(env[variable]);
    if (url === null) continue;
    if (url.toLowerCase() === DRY_RUN_URL) {
      destinations.set(name, { kind: "dry_run", name, shows: SHOWS[kind] });
      continue;
    }
    if (httpUrl(url) === null) {
      // The value itself is never echoed: a webhook URL is a secret.
      closed("must be an http(s) URL (value not shown, it is a secret)");
      continue;
    }
    if (kind === "webhook") {
      destinations.set(name, { kind, name, url, format: formatOf(`${FORMAT_PREFIX}${name}`) });
    } else if (kind === "json") {
      const secret = set(env[`${SECRET_PREFIX}${name}`]);
      if (secret === null || !WHSEC.test(secret)) {
        problems.push({
          variable: `${SECRET_PREFIX}${name}`,
          message: `${secret === null ? "is unset" : "must be whsec_ followed by base64 (value not shown)"}: ${variable} needs it to sign its messages; nothing is sent until it is fixed`,
          effect: "closed",
        });
        continue;
      }
      destinations.set(name, { kind, name, url, secret });
    } else {
      destinations.set(name, { kind, name, url });
    }
  }
  for (const variable of destinationVariables(env)) {
    const [prefix, needs] = variable.startsWith(FORMAT_PREFIX)
      ? [FORMAT_PREFIX, URL_PREFIX]
      : variable.startsWith(SECRET_PREFIX)
        ? [SECRET_PREFIX, DESTINATION_PREFIXES.json]
        : [null, null];
    if (prefix === null || set(env[variable]) === null) continue;
    const name = variable.slice(prefix.length);
    if (named.get(name) !== `${needs}${name}`) {
      problems.push({ variable, message: `is set, but ${needs}${name} is not: ignored`, effect: "off" });
    }
  }
  const botToken = set(env.SLACK_BOT_TOKEN);
  let rules: RouteRule[] = [];
  try {
    rules = parseRoutes(env.ROUTES, { names: new Set(named.keys()), channels: botToken !== null });
  } catch (error) {
    if (!(error instanceof RouteError)) throw error;
    problems.push({
      variable: "ROUTES",
      message: `${error.message}: nothing is sent until it is fixed`,
      effect: "closed",
    });
  }
  for (const rule of rules) {
    for (const name of rule.destinations) {
      if (CHANNEL_ID.test(name)) destinations.set(name, { kind: "channel", name, channel: name.slice(1) });
    }
  }
  let mentions: ReadonlyMap<string, string> = new Map();
  try {
    mentions = parseMentions(env.SLACK_MENTIONS, settings.mentionsBy ?? "any");
  } catch (error) {
    if (!(error instanceof MentionError)) throw error;
    problems.push({
      variable: "SLACK_MENTIONS",
      message: `${error.message}; mentions are off`,
      effect: "off",
    });
  }
  const apiUrl = settings.apiUrl ?? DEFAULT_SLACK_API_URL;
  return {
    routing: {
      destinations,
      rules,
      mentions,
      botToken,
      apiUrl: apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`,
    },
    problems,
  };
};

/** A Slack channel id destination (Slack app mode): messages there get threads and updates. */
export const isChannel = (destination: string): boolean => CHANNEL_ID.test(destination);

/** The variable that names a destination (`SLACK_WEBHOOK_URL` for `default`). */
export const destinationVariable = (destination: Destination): string => {
  if (destination.name === DEFAULT_DESTINATION) return "SLACK_WEBHOOK_URL";
  if (destination.kind === "channel") return "SLACK_BOT_TOKEN";
  if (destination.kind === "dry_run") {
    const shown = (Object.keys(SHOWS) as NamedKind[]).find((k) => SHOWS[k] === destination.shows);
    return `${DESTINATION_PREFIXES[shown ?? "webhook"]}${destination.name}`;
  }
  return `${DESTINATION_PREFIXES[destination.kind]}${destination.name}`;
};

/** One line per destination, for `npm start`, `doctor` and `npm run route` (never a URL or a token). */
export const describeDestination = (destination: Destination): string => {
  switch (destination.kind) {
    case "dry_run":
      return destination.shows === undefined
        ? "dry run (SLACK_WEBHOOK_URL unset: messages are printed in the log)"
        : `dry run (${destinationVariable(destination)}=${DRY_RUN_URL}: what ${destination.shows === "slack" ? "Slack" : destination.shows === "json" ? "a JSON receiver" : destination.shows === "teams" ? "Teams" : "Discord"} would receive is printed in the log)`;
    case "webhook":
      return `${destinationVariable(destination)}${destination.format === "attachments" ? " (attachments, for Mattermost)" : ""}`;
    case "channel":
      return `channel ${destination.channel} through SLACK_BOT_TOKEN (threads, updated in place)`;
    case "teams":
      return `${destinationVariable(destination)} (Microsoft Teams, Adaptive Cards)`;
    case "discord":
      return `${destinationVariable(destination)} (Discord, embeds; the recovery edits the failure message)`;
    case "json":
      return `${destinationVariable(destination)} (signed JSON, Standard Webhooks, with ${SECRET_PREFIX}${destination.name})`;
  }
};

/** The routing table as text lines: each rule, then the fallback. */
export const describeRouting = (routing: Routing): string[] => {
  const lines = routing.rules.map(
    (rule) =>
      `${rule.number}. ${rule.conditions.length === 0 ? "*" : rule.conditions.map((c) => `${c.field}:${c.glob}`).join(" ")} -> ${rule.destinations.length === 0 ? "none (muted)" : rule.destinations.join(", ")}`,
  );
  lines.push(`${routing.rules.length > 0 ? "otherwise" : "every run"} -> default`);
  for (const destination of routing.destinations.values()) {
    lines.push(`${destination.name}: ${describeDestination(destination)}`);
  }
  return lines;
};
