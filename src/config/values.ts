import { pipe, string, transform, url, type ZodMiniType } from "zod/mini";
import { oneOf } from "../one-of.ts";
import { compileGlob, type GlobMatcher } from "../text/glob.ts";

/**
 * The kinds of value a variable can hold, as zod/mini schemas from the raw text to the value. Messages
 * may quote the rejected value: they reach the log and `npm start`, never an HTTP answer, and a secret's
 * message is replaced before it is shown (src/config/parse.ts).
 */
export type ValueSchema<T> = ZodMiniType<T, string>;

/** Conclusions that may notify; the others (cancelled, skipped, ...) always stay silent. */
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

/** A watched branch: the glob as written, and what it matches. */
export interface BranchGlob {
  readonly glob: string;
  /** Matched in linear time (src/text/glob.ts). */
  readonly pattern: GlobMatcher;
}

/** Built once, on first use: most cold starts answer an ignored delivery and never parse a value. */
const once = <T>(build: () => T): (() => T) => {
  let built: T | undefined;
  return () => (built ??= build());
};

export const list = (value: string, separator: RegExp = /,/): string[] =>
  value
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

/**
 * Branch globs as GitHub's workflow filters read them: `*` matches anything but `/`, `**` matches
 * anything, `?` one character. Not a RegExp (the name stays for its callers): a matcher that runs in
 * linear time whatever the glob (src/text/glob.ts). https://docs.github.com/actions/reference/workflow-syntax-for-github-actions#filter-pattern-cheat-sheet
 */
export const globToRegExp = (glob: string): GlobMatcher => compileGlob(glob);

const integers = new Map<string, ValueSchema<number>>();
/** A whole number within [min, max]. */
export const integer = (min: number, max = Number.MAX_SAFE_INTEGER): ValueSchema<number> => {
  const key = `${min}:${max}`;
  let schema = integers.get(key);
  if (!schema) {
    schema = pipe(
      string(),
      transform((value: string, ctx) => {
        const trimmed = value.trim();
        const parsed = /^-?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
        if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
          const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
          ctx.issues.push({
            code: "custom",
            input: value,
            message: `must be a whole number ${range}, got "${value}"`,
          });
          return 0;
        }
        return parsed;
      }),
    );
    integers.set(key, schema);
  }
  return schema;
};

export const flag = once(
  (): ValueSchema<boolean> =>
    pipe(
      string(),
      transform((value: string, ctx) => {
        const normalised = value.trim().toLowerCase();
        if (["true", "1", "yes", "on"].includes(normalised)) return true;
        if (["false", "0", "no", "off"].includes(normalised)) return false;
        ctx.issues.push({ code: "custom", input: value, message: `must be true or false, got "${value}"` });
        return false;
      }),
    ),
);

/** SLACK_MENTIONS_BY: whom a run's mention may be looked up by (src/routing/mentions.ts). */
export type MentionsBy = "any" | "login";
export const mentionsBy = once(
  (): ValueSchema<MentionsBy> =>
    pipe(
      string(),
      transform((value: string, ctx): MentionsBy => {
        const normalised = value.trim().toLowerCase();
        if (normalised === "any" || normalised === "login") return normalised;
        ctx.issues.push({ code: "custom", input: value, message: `must be any or login, got "${value}"` });
        return "any";
      }),
    ),
);

/** An http(s) URL, trimmed. */
export const httpUrl = once(
  (): ValueSchema<string> =>
    pipe(
      pipe(
        string(),
        transform((value: string) => value.trim()),
      ),
      pipe(string(), url({ protocol: /^https?$/, message: "must be an http(s) URL" })),
    ),
);

/** An API's base URL, without trailing slashes: paths are appended to it. */
export const baseUrl = once(
  (): ValueSchema<string> =>
    pipe(
      httpUrl(),
      transform((value: string) => value.replace(/\/+$/, "")),
    ),
);

/** Any non-blank text, trimmed (tokens, secrets, names). */
export const text = once(
  (): ValueSchema<string> =>
    pipe(
      string(),
      transform((value: string) => value.trim()),
    ),
);

/**
 * Why a secret was refused, when saying so cannot reveal it: parse.ts shows these messages for secrets,
 * and only these (any other problem with a secret is "invalid value (not shown, it is a secret)").
 */
export const SHOWABLE = { showable: true } as const;

/**
 * A secret or token: trimmed text of printable ASCII only. Secrets travel in or are compared with HTTP
 * headers (`X-Gitlab-Token`, `Authorization: Bearer`), which arrive as latin1: a secret with any other
 * character could never match, so it is refused here, with what to do, rather than failing every request.
 */
export const secretText = once(
  (): ValueSchema<string> =>
    pipe(
      string(),
      transform((value: string, ctx) => {
        const trimmed = value.trim();
        if (!/^[\x20-\x7e]*$/.test(trimmed)) {
          ctx.issues.push({
            code: "custom",
            input: value,
            message:
              "has a character that is not printable ASCII (an accent, a typographic quote, a control character?): HTTP headers carry ASCII only, so it could never match; set it again with letters, digits and punctuation",
            params: SHOWABLE,
          });
        }
        return trimmed;
      }),
    ),
);

/**
 * GitLab's signing token is `whsec_` then the base64 of a 32-byte key
 * (https://gitlab.com/gitlab-org/gitlab/-/merge_requests/231325); standardwebhooks decodes it strictly.
 */
const SIGNING_TOKEN = /^whsec_(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
export const signingToken = once(
  (): ValueSchema<string> =>
    pipe(
      string(),
      transform((value: string, ctx) => {
        const token = value.trim();
        if (token === "whsec_" || !SIGNING_TOKEN.test(token)) {
          ctx.issues.push({
            code: "custom",
            input: value,
            message: "must be the webhook's signing token: whsec_ followed by base64",
          });
        }
        return token;
      }),
    ),
);

/** NOTIFY_CONCLUSIONS: a comma-separated subset of the failure conclusions. */
export const conclusions = once(
  (): ValueSchema<ReadonlySet<string>> =>
    pipe(
      string(),
      transform((value: string, ctx) => {
        const chosen = list(value);
        for (const conclusion of chosen) {
          if (!oneOf(FAILURE_CONCLUSIONS, conclusion)) {
            ctx.issues.push({
              code: "custom",
              input: value,
              message: oneOf(GITHUB_CONCLUSIONS, conclusion)
                ? `"${conclusion}" can never notify: only ${FAILURE_CONCLUSIONS.join(", ")} can be chosen`
                : `unknown conclusion "${conclusion}"; choose among ${FAILURE_CONCLUSIONS.join(", ")}`,
            });
            return new Set<string>();
          }
        }
        if (chosen.length === 0) {
          ctx.issues.push({ code: "custom", input: value, message: "lists no conclusion" });
        }
        return new Set(chosen);
      }),
    ),
);

/**
 * BRANCHES: globs separated by commas or whitespace; `refs/heads/` is stripped, since GitHub's
 * `head_branch` and Netlify's `branch` are plain names (`refs/heads/main` would otherwise silently match
 * nothing). A list that names no branch (",,,") is an error, not "watch nothing".
 */
export const branches = once(
  (): ValueSchema<readonly BranchGlob[]> =>
    pipe(
      string(),
      transform((value: string, ctx) => {
        const globs = list(value, /[\s,]+/).map((glob) => glob.replace(/^refs\/heads\//, ""));
        if (globs.length === 0 || globs.includes("")) {
          ctx.issues.push({ code: "custom", input: value, message: "names no branch" });
          return [];
        }
        return globs.map((glob) => ({ glob, pattern: globToRegExp(glob) }));
      }),
    ),
);

/** Slack user ids (`U…`, or `W…` on Enterprise Grid), as src/routing/mentions.ts checks them. */
const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;

/** SLACK_ACTION_USERS: Slack user ids separated by commas or spaces. */
export const slackUsers = once(
  (): ValueSchema<ReadonlySet<string>> =>
    pipe(
      string(),
      transform((value: string, ctx) => {
        const ids = list(value, /[\s,]+/);
        const wrong = ids.find((id) => !SLACK_USER.test(id));
        if (wrong !== undefined || ids.length === 0) {
          ctx.issues.push({
            code: "custom",
            input: value,
            message:
              wrong === undefined
                ? "names no user"
                : `"${wrong}" is not a Slack user id (like U0123ABCD: a member's profile, ⋮ → Copy member ID)`,
          });
          return new Set<string>();
        }
        return new Set(ids);
      }),
    ),
);
