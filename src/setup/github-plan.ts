import type { infer as Infer } from "zod/mini";
import type { githubHookSchema } from "./api-answers.ts";
import { type ForeignHook, vigieHooks } from "./vigie-hooks.ts";

/**
 * The GitHub organisation webhook vigie needs, and what to do to get there: pure, from the listing of
 * `GET /orgs/{org}/hooks` (https://docs.github.com/rest/orgs/webhooks#list-organization-webhooks).
 * GitHub never returns a hook's secret (it shows `********`), so a hook that is otherwise right is kept
 * as it is; one that needs fixing gets the secret again with the fix.
 */
export type GithubHook = Infer<typeof githubHookSchema>;

/** Only `workflow_run`: vigie answers every other event 200 ignored, a wasted invocation each. */
export const GITHUB_EVENTS = ["workflow_run"] as const;

/** Hooks that are vigie's and more than one (kept, reported), and look-alikes that are not (left alone). */
interface Reported {
  readonly duplicates: readonly number[];
  readonly foreign: readonly ForeignHook[];
}

export type GithubPlan =
  | ({ readonly action: "create" } & Reported)
  | ({ readonly action: "update"; readonly hookId: number; readonly changes: readonly string[] } & Reported)
  | ({ readonly action: "none"; readonly hookId: number } & Reported);

/** What is wrong with a hook, one phrase per problem; empty when it is right. */
export const githubHookProblems = (hook: GithubHook): string[] => {
  const problems: string[] = [];
  const events = [...hook.events].sort();
  if (events.join(",") !== [...GITHUB_EVENTS].join(",")) {
    problems.push(`events are ${events.join(", ") || "none"}, not only workflow_run`);
  }
  if (hook.config.content_type !== "json") {
    problems.push(`content type is ${hook.config.content_type ?? "unset"}, not application/json`);
  }
  if (!hook.active) problems.push("it is not active");
  if (String(hook.config.insecure_ssl ?? "0") !== "0") problems.push("TLS verification is off");
  return problems;
};

/**
 * The hook whose URL is `url`, else one at another of vigie's own URLs (`ours`: VIGIE_URL's, when the
 * deploy moved), which is then moved to `url`. Several: the first is used, the others reported, never
 * deleted. A hook at any other URL is not vigie's, even with vigie's path: reported in `foreign` when it
 * looks like one, never changed.
 */
export const planGithubHook = (
  hooks: readonly GithubHook[],
  url: string,
  ours: readonly string[] = [],
): GithubPlan => {
  const owner = vigieHooks(url, ours);
  const matching = hooks
    .filter((hook) => hook.name === "web" && owner.isOurs(hook.config.url))
    .sort((a, b) => Number(b.config.url === url) - Number(a.config.url === url));
  const foreign = hooks
    .filter((hook) => owner.looksLikeOurs(hook.config.url) && !matching.includes(hook))
    .map((hook) => ({ id: hook.id, url: hook.config.url ?? "" }));
  const [hook, ...others] = matching;
  const duplicates = others.map((other) => other.id);
  if (!hook) return { action: "create", duplicates, foreign };
  const changes = githubHookProblems(hook);
  if (hook.config.url !== url) changes.unshift(`URL is ${hook.config.url}`);
  return changes.length === 0
    ? { action: "none", hookId: hook.id, duplicates, foreign }
    : { action: "update", hookId: hook.id, changes, duplicates, foreign };
};

/** The body of a create or an update (https://docs.github.com/rest/orgs/webhooks#create-an-organization-webhook). */
export type GithubHookBody = ReturnType<typeof githubHookBody>;

export const githubHookBody = (url: string, secret: string) => ({
  name: "web" as const,
  active: true,
  events: [...GITHUB_EVENTS],
  config: { url, content_type: "json", secret, insecure_ssl: "0" },
});
