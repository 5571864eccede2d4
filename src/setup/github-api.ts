import { request as octokitRequest } from "@octokit/request";
import type { GithubHook } from "./github-plan.ts";

/** One delivery of a hook, as listed by GitHub (https://docs.github.com/rest/orgs/webhooks#list-deliveries-for-an-organization-webhook). */
export interface GithubDelivery {
  readonly guid: string;
  readonly delivered_at: string;
  readonly status_code: number;
  readonly event: string;
}

export interface GithubApi {
  listOrgHooks(org: string): Promise<GithubHook[]>;
  createOrgHook(org: string, body: object): Promise<number>;
  updateOrgHook(org: string, hookId: number, body: object): Promise<void>;
  listDeliveries(org: string, hookId: number, count: number): Promise<GithubDelivery[]>;
}

const PER_PAGE = 100;
/** More hooks than this on one organisation is not a real listing (GitHub allows 250 per org). */
const MAX_PAGES = 10;

/** The GitHub REST API through @octokit/request, at GITHUB_API_URL (GitHub Enterprise Server too). */
export const githubApi = (settings: { readonly token: string; readonly apiUrl: string }): GithubApi => {
  const request = octokitRequest.defaults({
    baseUrl: settings.apiUrl,
    headers: { authorization: `Bearer ${settings.token}`, "x-github-api-version": "2022-11-28" },
  });
  return {
    async listOrgHooks(org) {
      const hooks: GithubHook[] = [];
      for (let page = 1; page <= MAX_PAGES; page++) {
        const { data } = await request("GET /orgs/{org}/hooks", { org, per_page: PER_PAGE, page });
        hooks.push(...(data as unknown as GithubHook[]));
        if (data.length < PER_PAGE) break;
      }
      return hooks;
    },
    async createOrgHook(org, body) {
      const { data } = await request("POST /orgs/{org}/hooks", {
        org,
        ...(body as { name: "web"; config: { url: string } }),
      });
      return data.id;
    },
    async updateOrgHook(org, hookId, body) {
      const { name: _name, ...patch } = body as { name?: string };
      await request("PATCH /orgs/{org}/hooks/{hook_id}", { org, hook_id: hookId, ...patch });
    },
    async listDeliveries(org, hookId, count) {
      const { data } = await request("GET /orgs/{org}/hooks/{hook_id}/deliveries", {
        org,
        hook_id: hookId,
        per_page: count,
      });
      return data as unknown as GithubDelivery[];
    },
  };
};
