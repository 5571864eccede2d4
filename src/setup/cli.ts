import { type Env, parseVariable } from "../config/parse.ts";
import type { VariableName } from "../config/variables.ts";
import { VigieError } from "../errors.ts";

/** What a command prints to; injected so that tests read it. */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Exit codes of `npm run setup` and `npm run doctor` (README, "Operating it"). */
export const EXIT = { ok: 0, problem: 1, usage: 2 } as const;

export class UsageError extends VigieError {
  readonly code = "usage";
}
/** A variable a command needs is unset or invalid: exit 1 with what to set. */
export class MissingSetting extends VigieError {
  readonly code = "setting_missing";
}

/** A variable through the configuration table; unset or invalid is a MissingSetting naming it and why. */
export const setting = <N extends VariableName>(env: Env, name: N, why: string) => {
  const { value, problem } = parseVariable(env, name);
  if (problem) throw new MissingSetting(`${name}: ${problem.message}`);
  if (value === undefined) throw new MissingSetting(`${name} is unset: ${why}`);
  return value;
};

/**
 * A hook URL from `--url` (or VIGIE_URL): a base URL (no path) gets the route's path, so that
 * `--url https://vigie.netlify.app` and `--url https://vigie.netlify.app/webhooks/github` agree.
 */
export const hookUrl = (given: string | undefined, env: Env, route: string): string => {
  const raw = given ?? parseVariable(env, "VIGIE_URL").value;
  if (raw === undefined)
    throw new UsageError("--url is required (or set VIGIE_URL to the deployed vigie's base URL)");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url ${raw} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new UsageError(`--url ${raw} is not an http(s) URL`);
  if (url.pathname === "/" || url.pathname === "") url.pathname = route;
  return url.toString();
};

/** VIGIE_URL's hook URL for `route`, when VIGIE_URL is set: vigie's own too (src/setup/vigie-hooks.ts). */
export const vigieUrlHook = (env: Env, route: string): string[] => {
  try {
    return parseVariable(env, "VIGIE_URL").value === undefined ? [] : [hookUrl(undefined, env, route)];
  } catch {
    return [];
  }
};
