import type { infer as Infer } from "zod/mini";
import { CrossOriginError } from "../net/same-origin-fetch.ts";
import type { gitlabHookSchema } from "./api-answers.ts";
import { type ForeignHook, vigieHooks } from "./vigie-hooks.ts";

/**
 * The GitLab webhook vigie needs (a group's, or each project's), and what to do to get there: pure, from
 * `GET /groups/:id/hooks` or `GET /projects/:id/hooks` (https://docs.gitlab.com/api/group_webhooks/,
 * https://docs.gitlab.com/api/project_webhooks/). GitLab never returns the hook's token, so a hook that is
 * otherwise right is kept; one that needs fixing gets the token again with the fix.
 */
export type GitlabHook = Infer<typeof gitlabHookSchema>;

/** Look-alikes that are not vigie's (same path, another URL): reported, never changed. */
interface Reported {
  readonly foreign: readonly ForeignHook[];
}

export type GitlabPlan =
  | ({ readonly action: "create" } & Reported)
  | ({ readonly action: "update"; readonly hookId: number; readonly changes: readonly string[] } & Reported)
  | ({ readonly action: "none"; readonly hookId: number } & Reported);

export const gitlabHookProblems = (hook: GitlabHook): string[] => {
  const problems: string[] = [];
  if (hook.pipeline_events !== true) problems.push("pipeline events are off");
  // Push events are on by default in GitLab; vigie would answer each one 200 ignored.
  if (hook.push_events !== false) problems.push("push events are on");
  if (hook.enable_ssl_verification === false) problems.push("TLS verification is off");
  if (hook.alert_status !== undefined && hook.alert_status !== "executable") {
    problems.push(`GitLab ${hook.alert_status.replace(/_/g, " ")} it after failed deliveries`);
  }
  return problems;
};

/** The hook at `url`, else at another of vigie's own URLs (`ours`), moved to `url`; see planGithubHook. */
export const planGitlabHook = (
  hooks: readonly GitlabHook[],
  url: string,
  ours: readonly string[] = [],
): GitlabPlan => {
  const owner = vigieHooks(url, ours);
  const hook = hooks.find((candidate) => candidate.url === url) ?? hooks.find((c) => owner.isOurs(c.url));
  const foreign = hooks
    .filter((candidate) => candidate !== hook && owner.looksLikeOurs(candidate.url))
    .map(({ id, url: at }) => ({ id, url: at }));
  if (!hook) return { action: "create", foreign };
  const changes = gitlabHookProblems(hook);
  if (hook.url !== url) changes.unshift(`URL is ${hook.url}`);
  return changes.length === 0
    ? { action: "none", hookId: hook.id, foreign }
    : { action: "update", hookId: hook.id, changes, foreign };
};

/** The body of a create or an update (saving a hook also re-enables one GitLab disabled). */
export const gitlabHookBody = (url: string, token: string) => ({
  url,
  token,
  pipeline_events: true,
  push_events: false,
  enable_ssl_verification: true,
});

/**
 * The next page of a GitLab listing: `x-next-page` (offset pagination), else the `rel="next"` link
 * (keyset pagination). https://docs.gitlab.com/api/rest/#pagination
 * A link to another origin than the page's throws CrossOriginError: the token would go with it.
 */
export const nextGitlabPage = (headers: Headers, current: URL): URL | null => {
  const nextPage = headers.get("x-next-page");
  if (nextPage !== null && /^\d+$/.test(nextPage.trim())) {
    const next = new URL(current);
    next.searchParams.set("page", nextPage.trim());
    return next;
  }
  const link = headers.get("link");
  const match = link
    ?.split(",")
    .map((part) => /<([^>]+)>\s*;\s*rel="next"/.exec(part))
    .find((m) => m !== null);
  if (!match?.[1]) return null;
  const next = new URL(match[1], current);
  if (next.origin !== current.origin) throw new CrossOriginError('a rel="next" link', current, next);
  return next;
};
