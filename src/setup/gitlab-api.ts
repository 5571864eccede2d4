import { type GitlabHook, nextGitlabPage } from "./gitlab-plan.ts";

export interface GitlabProject {
  readonly id: number;
  readonly path_with_namespace: string;
}

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

export class GitlabApiError extends Error {
  readonly status: number;
  constructor(status: number, what: string, body: string) {
    super(`GitLab answered ${status} to ${what}${body ? `: ${body.slice(0, 200)}` : ""}`);
    this.name = "GitlabApiError";
    this.status = status;
  }
}

const MAX_PAGES = 100;

/**
 * The GitLab REST API with fetch, at GITLAB_API_URL, authenticated by `PRIVATE-TOKEN`
 * (https://docs.gitlab.com/api/rest/authentication/). Listings follow every page.
 */
export const gitlabApi = (
  settings: { readonly token: string; readonly apiUrl: string },
  fetchImpl: typeof fetch = fetch,
): GitlabApi => {
  const call = async (method: string, path: string | URL, body?: object): Promise<Response> => {
    const url = typeof path === "string" ? new URL(`${settings.apiUrl}${path}`) : path;
    const response = await fetchImpl(url, {
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
  const listAll = async <T>(path: string): Promise<T[]> => {
    const items: T[] = [];
    let url: URL | null = new URL(`${settings.apiUrl}${path}`);
    url.searchParams.set("per_page", "100");
    for (let page = 0; url !== null && page < MAX_PAGES; page++) {
      const response: Response = await call("GET", url);
      items.push(...((await response.json()) as T[]));
      url = nextGitlabPage(response.headers, url);
    }
    return items;
  };
  return {
    async groupId(group) {
      if (/^\d+$/.test(group)) return Number(group);
      const response = await call("GET", `/groups/${encodeURIComponent(group)}`);
      return ((await response.json()) as { id: number }).id;
    },
    listProjects: (groupId) =>
      listAll<GitlabProject>(`/groups/${groupId}/projects?include_subgroups=true&archived=false`),
    listHooks: (scope) => listAll<GitlabHook>(`/${scope.kind}/${scope.id}/hooks`),
    async createHook(scope, body) {
      const response = await call("POST", `/${scope.kind}/${scope.id}/hooks`, body);
      return ((await response.json()) as { id: number }).id;
    },
    async updateHook(scope, hookId, body) {
      await call("PUT", `/${scope.kind}/${scope.id}/hooks/${hookId}`, body);
    },
  };
};
