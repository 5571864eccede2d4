import type { FailureEvent } from "../event.ts";
import { oneOf } from "../one-of.ts";
import { matchRoute, parseRoutes, RouteError, type RouteRule } from "../routing/routes.ts";
import { compileGlob, type GlobMatcher } from "../text/glob.ts";

/**
 * `AUTO_RERUN`: which failures are re-run once, automatically, before anyone is told (docs/architecture.md,
 * "Automatic re-runs"). Rules separated by `;` or newlines; each is `field:glob` conditions that must all
 * match, as on the left of ROUTES (`site`, `branch`, `source`, `workflow`, or `*`), plus two of its own:
 *
 *     site:acme/* step:Upload*; source:netlify job:deploying*
 *
 * - `step:GLOB`: the failed step; `job:GLOB`: the failed job (GitLab: job; Netlify: the failed stage).
 *   Matched without regard to case, and against EVERY failed job: a run whose build also failed is a real
 *   failure, announced at once; a run with no known failed job never matches a rule that names one.
 * The left-side conditions are parsed and matched by src/routing/routes.ts itself.
 */
export const RERUN_FIELDS = ["step", "job"] as const;
export type RerunField = (typeof RERUN_FIELDS)[number];

export interface AutoRerunRule {
  /** 1-based position in AUTO_RERUN. */
  readonly number: number;
  readonly text: string;
  /** The ROUTES-like part (empty conditions: every run). */
  readonly route: RouteRule;
  readonly step: GlobMatcher | null;
  readonly job: GlobMatcher | null;
}

export class AutoRerunError extends Error {
  readonly rule: number;
  constructor(rule: number, text: string, problem: string) {
    super(`rule ${rule} (${JSON.stringify(text)}): ${problem}`);
    this.name = "AutoRerunError";
    this.rule = rule;
  }
}

/** A ROUTES left side alone, parsed by parseRoutes (nothing to route to: `none`). */
const routePart = (tokens: readonly string[], number: number, text: string): RouteRule => {
  const left = tokens.length === 0 ? "*" : tokens.join(" ");
  try {
    const [rule] = parseRoutes(`${left} -> none`, { names: new Set(), channels: false });
    if (rule === undefined) throw new AutoRerunError(number, text, "nothing to match");
    return { ...rule, number, text };
  } catch (error) {
    if (!(error instanceof RouteError)) throw error;
    // RouteError says `rule 1 ("<left> -> none"): <problem>`: keep the problem, under this rule's number.
    const problem = error.message.slice(error.message.indexOf("): ") + 3);
    throw new AutoRerunError(number, text, problem);
  }
};

export const parseAutoRerun = (text: string | undefined): AutoRerunRule[] => {
  const written = (text ?? "")
    .split(/[;\n]/)
    .map((rule) => rule.trim())
    .filter((rule) => rule.length > 0 && !rule.startsWith("#"));
  return written.map((rule, index) => {
    const number = index + 1;
    const fail = (problem: string): never => {
      throw new AutoRerunError(number, rule, problem);
    };
    if (rule.includes("->")) fail('AUTO_RERUN rules have no "->": write only what to match');
    const own: Partial<Record<RerunField, GlobMatcher>> = {};
    const rest: string[] = [];
    for (const token of rule.split(/\s+/)) {
      const colon = token.indexOf(":");
      const field = colon === -1 ? "" : token.slice(0, colon).toLowerCase();
      if (!oneOf(RERUN_FIELDS, field)) {
        rest.push(token);
        continue;
      }
      const glob = token.slice(colon + 1);
      if (glob === "") fail(`"${token}" has an empty pattern`);
      if (own[field] !== undefined) fail(`field "${field}" appears twice`);
      own[field] = compileGlob(glob, { ignoreCase: true });
    }
    if (rest.length === 1 && rest[0] === "*" && Object.keys(own).length > 0) rest.length = 0;
    return {
      number,
      text: rule,
      route: routePart(rest, number, rule),
      step: own.step ?? null,
      job: own.job ?? null,
    };
  });
};

const jobsMatch = (rule: AutoRerunRule, event: FailureEvent): boolean => {
  if (rule.step === null && rule.job === null) return true;
  const jobs = event.failedAt?.jobs ?? [];
  if (jobs.length === 0) return false;
  return jobs.every(
    (job) =>
      (rule.job === null || rule.job.test(job.name)) &&
      (rule.step === null || (job.step !== null && rule.step.test(job.step))),
  );
};

/** The first rule that matches the failure, or null: it is announced at once. */
export const matchAutoRerun = (rules: readonly AutoRerunRule[], event: FailureEvent): AutoRerunRule | null =>
  rules.find(
    (rule) =>
      matchRoute([rule.route], {
        site: event.site,
        branch: event.branch,
        source: event.source,
        workflow: event.workflow,
      }).rule !== null && jobsMatch(rule, event),
  ) ?? null;
