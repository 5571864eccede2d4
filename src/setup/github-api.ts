import { request as octokitRequest } from "@octokit/request";
import { array, type infer as Infer } from "zod/mini";
import { sameOriginFetch } from "../net/same-origin-fetch.ts";
import { githubDeliverySchema, githubHookSchema, readAnswer } from "./api-answers.ts";
import type { GithubHook, GithubHookBody } from "./github-plan.ts";

/** One delivery of a hook, as listed by GitHub (https://docs.github.com/rest/orgs/webhooks#list-deliveries-for-an-organization-webhook). */
export type GithubDelivery = Infer<typeof githubDeliverySchema>;

export interface GithubApi {
  listOrgHooks(org: string): Promise<GithubHook[]>;
  createOrgHook(org: string, body: GithubHookBody): Promise<number>;
  updateOrgHook(org: string, hookId: number, body: GithubHookBody): Promise<void>;
  listDeliveries(org: string, hookId: number, count: number): Promise<GithubDelivery[]>;
}

const PER_PAGE = 100;
/** More hooks than this on one organisation is not a real listing (GitHub allows 250 per org). */
const MAX_PAGES = 10;
/** One answer of the API is at most this big: a page of 100 hooks is a few tens of KB. */
export const GITHUB_MAX_BYTES = 4 * 1024 * 1024;
/** And answers within this long (each call). */
export const GITHUB_TIMEOUT_MS = 30_000;

/**
 * The GitHub REST API through @octokit/request, at GITHUB_API_URL (GitHub Enterprise Server too), over
 * sameOriginFetch: GITHUB_TOKEN never follows a redirect to another origin, and every answer is bounded
 * by GITHUB_MAX_BYTES and GITHUB_TIMEOUT_MS. Listings read pages until a short one; a page that repeats
 * the one before ends the listing, and one that does not end within MAX_PAGES is an error, never a plan
 * made from part of it.
 */
export const githubApi = (settings: {
  readonly token: string;
  readonly apiUrl: string;
  readonly fetch?: typeof fetch;
}): GithubApi => {
  const request = octokitRequest.defaults({
    baseUrl: settings.apiUrl,
    headers: { authorization: `Bearer ${settings.token}`, "x-github-api-version": "2022-11-28" },
    request: {
      fetch: sameOriginFetch({
        fetch: settings.fetch,
        maxBytes: GITHUB_MAX_BYTES,
        timeoutMs: GITHUB_TIMEOUT_MS,
      }),
    },
  });
  return {
    async listOrgHooks(org) {
      const hooks = new Map<number, GithubHook>();
      let previous = "";
      for (let page = 1; ; page++) {
        if (page > MAX_PAGES)
          throw new Error(`GitHub lists more than ${MAX_PAGES} pages of hooks for ${org}: not read in part`);
        const { data } = await request("GET /orgs/{org}/hooks", { org, per_page: PER_PAGE, page });
        const batch: GithubHook[] = readAnswer(array(githubHookSchema), data, `GET /orgs/${org}/hooks`);
        const ids = batch.map((hook) => hook.id).join(",");
        if (ids === previous) break;
        previous = ids;
        for (const hook of batch) hooks.set(hook.id, hook);
        if (batch.length < PER_PAGE) break;
      }
      return [...hooks.values()];
    },
    async createOrgHook(org, body) {
      const { data } = await request("POST /orgs/{org}/hooks", {
        org,
        ...body,
      });
      return data.id;
    },
    async updateOrgHook(org, hookId, body) {
      const { name: _name, ...patch } = body;
      await request("PATCH /orgs/{org}/hooks/{hook_id}", { org, hook_id: hookId, ...patch });
    },
    async listDeliveries(org, hookId, count) {
      const { data } = await request("GET /orgs/{org}/hooks/{hook_id}/deliveries", {
        org,
        hook_id: hookId,
        per_page: count,
      });
      return readAnswer(array(githubDeliverySchema), data, `GET /orgs/${org}/hooks/${hookId}/deliveries`);
    },
  };
};
