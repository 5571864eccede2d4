import { array, type infer as Infer, type ZodMiniType } from "zod/mini";
import { VigieError } from "../errors.ts";
import { sameOriginFetch } from "../net/same-origin-fetch.ts";
import { gitlabHookSchema, gitlabProjectSchema, numericIdSchema, readAnswer } from "./api-answers.ts";
import { type GitlabHook, nextGitlabPage } from "./gitlab-plan.ts";

export type GitlabProject = Infer<typeof gitlabProjectSchema>;

export interface GitlabApi {
  /** The group's numeric id, from its id or full path. */
  groupId(group: string): Promise<number>;
  listProjects(groupId: number): Promise<GitlabProject[]>;
  listHooks(scope: GitlabScope): Promise<GitlabHook[]>;
  createHook(scope: GitlabScope, body: object): Promise<number>;
  updateHook(scope: GitlabScope, hookId: number, body: object): Promise<void>;
}

/** A group's hooks or a project's hooks. */
export type GitlabScope = { readonly kind: "groups" | "projects"; readonly id: number };

export class GitlabApiError extends VigieError {
  readonly code = "api_answered";
  readonly status: number;
  constructor(status: number, what: string, body: string) {
    super(`GitLab answered ${status} to ${what}${body ? `: ${body.slice(0, 200)}` : ""}`);
    this.status = status;
  }
}

/** A listing longer than this many pages of 100 is refused rather than read in part. */
export const GITLAB_MAX_PAGES = 100;
/** One answer of the API is at most this big (a page of 100 projects is well under 1 MiB). */
export const GITLAB_MAX_BYTES = 8 * 1024 * 1024;

/** A listing that does not end: more pages than GITLAB_MAX_PAGES. */
export class ListingTooLongError extends VigieError {
  readonly code = "listing_too_long";
  constructor(what: string, pages: number) {
    super(`GitLab's listing of ${what} has more than ${pages} pages: not read in part`);
  }
}

/**
 * The GitLab REST API with fetch, at GITLAB_API_URL, authenticated by `PRIVATE-TOKEN`
 * (https://docs.gitlab.com/api/rest/authentication/), through sameOriginFetch: the token never follows a
 * redirect to another origin, and a 307/308 of a write (whose body holds GITLAB_WEBHOOK_TOKEN) is never
 * re-sent there. Listings follow every page on GitLab's own origin; a `rel="next"` link to another origin
 * is refused, a page seen twice ends the listing, and a listing that does not end within GITLAB_MAX_PAGES
 * is an error (a plan made from part of the hooks could create one twice).
 */
export const gitlabApi = (
  settings: { readonly token: string; readonly apiUrl: string },
  fetchImpl: typeof fetch = fetch,
): GitlabApi => {
  const fetchSafely = sameOriginFetch({ fetch: fetchImpl, maxBytes: GITLAB_MAX_BYTES });
  const call = async (method: string, path: string | URL, body?: object): Promise<Response> => {
    const url = typeof path === "string" ? new URL(`${settings.apiUrl}${path}`) : path;
    const response = await fetchSafely(url, {
      method,
      headers: {
        "PRIVATE-TOKEN": settings.token,
        accept: "application/json",
        ...(body ? { "content-type": "application/json" } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    if (!response.ok)
      throw new GitlabApiError(response.status, `${method} ${url.pathname}`, await response.text());
    return response;
  };
  const listAll = async <S extends ZodMiniType<{ readonly id: number }>>(
    path: string,
    item: S,
  ): Promise<Infer<S>[]> => {
    const items = new Map<number, Infer<S>>();
    const seen = new Set<string>();
    let url: URL | null = new URL(`${settings.apiUrl}${path}`);
    url.searchParams.set("per_page", "100");
    for (let page = 0; url !== null; page++) {
      if (seen.has(url.href)) break;
      if (page >= GITLAB_MAX_PAGES) throw new ListingTooLongError(url.pathname, GITLAB_MAX_PAGES);
      seen.add(url.href);
      const response: Response = await call("GET", url);
      const batch = readAnswer(array(item), await response.json(), `GitLab's ${url.pathname}`);
      // One by one: spreading a large page into push() would overflow the stack.
      for (const one of batch) items.set(one.id, one);
      url = nextGitlabPage(response.headers, url);
    }
    return [...items.values()];
  };
  return {
    async groupId(group) {
      if (/^\d+$/.test(group)) return Number(group);
      const response = await call("GET", `/groups/${encodeURIComponent(group)}`);
      return readAnswer(numericIdSchema, await response.json(), `GitLab's group ${group}`).id;
    },
    listProjects: (groupId) =>
      listAll(`/groups/${groupId}/projects?include_subgroups=true&archived=false`, gitlabProjectSchema),
    listHooks: (scope) => listAll(`/${scope.kind}/${scope.id}/hooks`, gitlabHookSchema),
    async createHook(scope, body) {
      const response = await call("POST", `/${scope.kind}/${scope.id}/hooks`, body);
      return readAnswer(numericIdSchema, await response.json(), `GitLab's new hook`).id;
    },
    async updateHook(scope, hookId, body) {
      await call("PUT", `/${scope.kind}/${scope.id}/hooks/${hookId}`, body);
    },
  };
};
