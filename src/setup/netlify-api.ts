import { NetlifyAPI } from "@netlify/api";
import type { NetlifyHook, NetlifySite } from "./netlify-plan.ts";

/** A hook type as `GET /hooks/types` lists it (https://open-api.netlify.com/#tag/hookType). */
export interface NetlifyHookType {
  readonly name: string;
  readonly events?: readonly string[];
  readonly fields?: ReadonlyArray<{ readonly name?: string }>;
}

export interface NetlifyApi {
  listHookTypes(): Promise<NetlifyHookType[]>;
  listSites(): Promise<NetlifySite[]>;
  listHooks(siteId: string): Promise<NetlifyHook[]>;
  createHook(siteId: string, body: object): Promise<string>;
  updateHook(hookId: string, body: object): Promise<void>;
  enableHook(hookId: string): Promise<void>;
}

const PER_PAGE = 100;
const MAX_PAGES = 100;

interface Client {
  listHookTypes(): Promise<unknown>;
  listSites(params: { filter: string; page: number; per_page: number }): Promise<unknown>;
  listHooksBySiteId(params: { site_id: string }): Promise<unknown>;
  createHookBySiteId(params: { site_id: string; body: object }): Promise<unknown>;
  updateHook(params: { hook_id: string; body: object }): Promise<unknown>;
  enableHook(params: { hook_id: string }): Promise<unknown>;
}

/**
 * Netlify's API through its own client, @netlify/api, at NETLIFY_API_URL. The client waits out a 429
 * itself until the time in `X-RateLimit-Reset` (at least 1 s, up to 5 times: its lib/methods/retry.js),
 * so a few hundred sites go through Netlify's rate limit without failing.
 */
export const netlifyApi = (settings: { readonly token: string; readonly apiUrl: string }): NetlifyApi => {
  const base = new URL(settings.apiUrl);
  const client = new NetlifyAPI(settings.token, {
    scheme: base.protocol.replace(/:$/, ""),
    host: base.host,
    pathPrefix: base.pathname.replace(/\/+$/, ""),
    userAgent: "vigie-setup",
  }) as unknown as Client;
  return {
    listHookTypes: async () => (await client.listHookTypes()) as NetlifyHookType[],
    async listSites() {
      const sites: NetlifySite[] = [];
      for (let page = 1; page <= MAX_PAGES; page++) {
        const batch = (await client.listSites({ filter: "all", page, per_page: PER_PAGE })) as NetlifySite[];
        sites.push(...batch.map(({ id, name }) => ({ id, name })));
        if (batch.length < PER_PAGE) break;
      }
      return sites;
    },
    listHooks: async (siteId) => (await client.listHooksBySiteId({ site_id: siteId })) as NetlifyHook[],
    async createHook(siteId, body) {
      const hook = (await client.createHookBySiteId({ site_id: siteId, body })) as { id: string };
      return hook.id;
    },
    async updateHook(hookId, body) {
      await client.updateHook({ hook_id: hookId, body });
    },
    async enableHook(hookId) {
      await client.enableHook({ hook_id: hookId });
    },
  };
};
