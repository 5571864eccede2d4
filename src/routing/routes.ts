import { VigieError } from "../errors.ts";
import { oneOf } from "../one-of.ts";
import { compileGlob, type GlobMatcher } from "../text/glob.ts";

/**
 * `ROUTES`: where each run's messages go, after Alertmanager's routes (docs/architecture.md, "Where
 * messages go"). Rules are separated by `;` or newlines; the first rule that matches wins:
 *
 *     site:acme/theme-* -> THEMES,OPS; branch:deploy-preview/** -> none; source:netlify -> #C0123ABCD
 *
 * Left of `->`: one or more `field:glob` (all must match), or `*` for every run. Fields: `site` (repository
 * full name, Netlify site name, GitLab project path; matched without regard to case), `branch`, `source`
 * (`github`, `netlify`, `gitlab`), `workflow` (workflow or pipeline name). Globs as in BRANCHES: `*` stops
 * at `/`, `**` does not, `?` is one character. Right of `->`: destinations separated by `,`: a name
 * (`SLACK_WEBHOOK_URL_<NAME>`), `default` (`SLACK_WEBHOOK_URL`), a channel id `#C…` (with SLACK_BOT_TOKEN),
 * or `none` alone (muted). A run no rule matches goes to `default`.
 *
 * Pure: the text and what destinations exist in, rules out, or a RouteError naming the rule.
 */
export const ROUTE_FIELDS = ["site", "branch", "source", "workflow"] as const;
export type RouteField = (typeof ROUTE_FIELDS)[number];
export const ROUTE_SOURCES = ["github", "netlify", "gitlab"] as const;

/** The destination every unmatched run goes to: SLACK_WEBHOOK_URL. */
export const DEFAULT_DESTINATION = "default";
/** Named destinations are `SLACK_WEBHOOK_URL_<NAME>`. */
export const DESTINATION_NAME = /^[A-Z0-9_]+$/;
/** Slack channel ids: C (public), G (private), D (direct). https://docs.slack.dev/reference/objects/conversation-object */
export const CHANNEL_ID = /^#[CGD][A-Z0-9]{6,}$/;

export interface RouteCondition {
  readonly field: RouteField;
  readonly glob: string;
  /** Matched in linear time, whatever the operator wrote (src/text/glob.ts). */
  readonly pattern: GlobMatcher;
}

export interface RouteRule {
  /** 1-based position in ROUTES, for messages and `npm run route`. */
  readonly number: number;
  /** The rule as written (trimmed), for messages. */
  readonly text: string;
  /** Empty: `*`, every run. */
  readonly conditions: readonly RouteCondition[];
  /** Canonical destination names (`default`, `THEMES`, `#C0123ABCD`); empty: muted (`none`). */
  readonly destinations: readonly string[];
}

/** What a rule is matched against. */
export interface RouteInput {
  readonly site: string;
  readonly branch: string | null;
  readonly source: string;
  readonly workflow: string;
}

/** A rule that cannot be read, or names a destination that does not exist. */
export class RouteError extends VigieError {
  readonly code = "route_invalid";
  readonly rule: number;
  constructor(rule: number, text: string, problem: string) {
    super(`rule ${rule} (${JSON.stringify(text)}): ${problem}`);
    this.rule = rule;
  }
}

export interface KnownDestinations {
  /** Named destinations that have a URL (canonical upper-case names), `default` excluded. */
  readonly names: ReadonlySet<string>;
  /** SLACK_BOT_TOKEN is set, so channel ids are destinations. */
  readonly channels: boolean;
}

/**
 * `themes` → `THEMES`, `Default` → `default`. Channel ids stay as written: upper-casing `#general` would
 * make it look like an id.
 */
export const canonicalDestination = (name: string): string => {
  const trimmed = name.trim();
  const lower = trimmed.toLowerCase();
  if (lower === DEFAULT_DESTINATION || lower === "none") return lower;
  return trimmed.startsWith("#") ? trimmed : trimmed.toUpperCase();
};

const destinationsOf = (
  right: string,
  known: KnownDestinations,
  fail: (problem: string) => never,
): string[] => {
  const names = right
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0)
    .map(canonicalDestination);
  if (names.length === 0) fail('no destination after "->" (a name, default, none, or a #channel id)');
  if (names.includes("none")) {
    if (names.length > 1) fail('"none" mutes a route: it cannot be combined with other destinations');
    return [];
  }
  for (const name of names) {
    if (name === DEFAULT_DESTINATION) continue;
    if (name.startsWith("#")) {
      if (!CHANNEL_ID.test(name)) {
        fail(
          `"${name}" is not a Slack channel id (like #C0123ABCD: the channel's details in Slack show it; channel names cannot be used)`,
        );
      }
      if (!known.channels)
        fail(`"${name}" is a channel id: it needs SLACK_BOT_TOKEN (a Slack app with chat:write)`);
      continue;
    }
    if (!DESTINATION_NAME.test(name)) {
      fail(
        `"${name}" is not a destination name (letters, digits and _ only, as in SLACK_WEBHOOK_URL_<NAME>)`,
      );
    }
    if (!known.names.has(name)) {
      fail(
        `unknown destination "${name}": set SLACK_WEBHOOK_URL_${name}, or use default, none or a #channel id`,
      );
    }
  }
  return [...new Set(names)];
};

const conditionOf = (token: string, fail: (problem: string) => never): RouteCondition => {
  const colon = token.indexOf(":");
  if (colon === -1) fail(`"${token}" is not field:glob (fields: ${ROUTE_FIELDS.join(", ")})`);
  const field = token.slice(0, colon).trim().toLowerCase();
  const glob = token.slice(colon + 1).trim();
  if (!oneOf(ROUTE_FIELDS, field)) {
    fail(`unknown field "${field}" (fields: ${ROUTE_FIELDS.join(", ")})`);
  }
  if (glob === "") fail(`"${token}" has an empty pattern`);
  if (field === "source" && !/[*?]/.test(glob) && !oneOf(ROUTE_SOURCES, glob)) {
    fail(`unknown source "${glob}" (sources: ${ROUTE_SOURCES.join(", ")})`);
  }
  // Repository and site names are not case-sensitive; branches and workflow names are.
  const pattern = compileGlob(glob, { ignoreCase: field === "site" || field === "source" });
  return { field, glob, pattern };
};

export const parseRoutes = (text: string | undefined, known: KnownDestinations): RouteRule[] => {
  const rules: RouteRule[] = [];
  const written = (text ?? "")
    .split(/[;\n]/)
    .map((rule) => rule.trim())
    .filter((rule) => rule.length > 0 && !rule.startsWith("#"));
  for (const [index, rule] of written.entries()) {
    const number = index + 1;
    const fail = (problem: string): never => {
      throw new RouteError(number, rule, problem);
    };
    const arrow = rule.indexOf("->");
    if (arrow === -1) fail('expected "field:glob [field:glob…] -> DESTINATION[,DESTINATION…]"');
    if (rule.indexOf("->", arrow + 2) !== -1) fail('more than one "->"');
    const left = rule.slice(0, arrow).trim();
    const tokens = left.split(/\s+/).filter((token) => token.length > 0);
    if (tokens.length === 0) fail('nothing to match before "->" (write * to match every run)');
    const conditions =
      tokens.length === 1 && tokens[0] === "*" ? [] : tokens.map((token) => conditionOf(token, fail));
    const fields = conditions.map((condition) => condition.field);
    const repeated = fields.find((field, i) => fields.indexOf(field) !== i);
    if (repeated) fail(`field "${repeated}" appears twice; write one glob (use ** or several rules)`);
    rules.push({
      number,
      text: rule,
      conditions,
      destinations: destinationsOf(rule.slice(arrow + 2), known, fail),
    });
  }
  return rules;
};

/** Null: the run has no such value (a tag has no branch), and no condition on it can match. */
const fieldValue = (input: RouteInput, field: RouteField): string | null => {
  switch (field) {
    case "site":
      return input.site;
    case "branch":
      return input.branch;
    case "source":
      return input.source;
    case "workflow":
      return input.workflow;
  }
};

/** The first rule that matches, and where the run goes; no rule: `default`. Empty destinations: muted. */
export const matchRoute = (
  rules: readonly RouteRule[],
  input: RouteInput,
): { readonly rule: RouteRule | null; readonly destinations: readonly string[] } => {
  const rule = rules.find((candidate) =>
    candidate.conditions.every((condition) => {
      const value = fieldValue(input, condition.field);
      return value !== null && condition.pattern.test(value);
    }),
  );
  return rule
    ? { rule, destinations: rule.destinations }
    : { rule: null, destinations: [DEFAULT_DESTINATION] };
};
