import { array, type infer as Infer, type ZodMiniType } from "zod/mini";
import { VigieError } from "../errors.ts";
import { sameOriginFetch } from "../net/same-origin-fetch.ts";
import {
  netlifyHookSchema,
  netlifyHookTypeSchema,
  netlifySiteSchema,
  readAnswer,
  textIdSchema,
} from "./api-answers.ts";
import type { NetlifyHook, NetlifySite } from "./netlify-plan.ts";

/** A hook type as `GET /hooks/types` lists it (https://open-api.netlify.com/#tag/hookType). */
export type NetlifyHookType = Infer<typeof netlifyHookTypeSchema>;

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
/** One answer is at most this big: a page of 100 sites is well under 1 MiB. */
export const NETLIFY_MAX_BYTES = 8 * 1024 * 1024;
/** A 429 is waited out this many times at most, each wait at least 1 s and at most a minute. */
const MAX_RATE_LIMITED = 5;
const MAX_WAIT_MS = 60_000;

export class NetlifyApiError extends VigieError {
  readonly code = "api_answered";
  readonly status: number;
  constructor(status: number, what: string, body: string) {
    super(`Netlify answered ${status} to ${what}${body ? `: ${body.slice(0, 200)}` : ""}`);
    this.status = status;
  }
}

/**
 * Netlify's API (https://open-api.netlify.com) at NETLIFY_API_URL, with fetch through sameOriginFetch:
 * NETLIFY_AUTH_TOKEN never follows a redirect to another origin, a write is never re-sent there (its body
 * holds NETLIFY_WEBHOOK_SECRET), and every answer is bounded. A 429 is waited out until the time in
 * `X-RateLimit-Reset` (epoch seconds; at least 1 s, up to 5 times), as Netlify's own client does, so a few
 * hundred sites go through the rate limit without failing.
 */
export const netlifyApi = (settings: {
  readonly token: string;
  readonly apiUrl: string;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}): NetlifyApi => {
  const base = settings.apiUrl.replace(/\/+$/, "");
  const fetchSafely = sameOriginFetch({ fetch: settings.fetch, maxBytes: NETLIFY_MAX_BYTES });
  const sleep = settings.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const call = async (method: string, path: string, body?: object): Promise<unknown> => {
    const url = new URL(`${base}${path}`);
    for (let attempt = 0; ; attempt++) {
      const response = await fetchSafely(url, {
        method,
        headers: {
          authorization: `Bearer ${settings.token}`,
          accept: "application/json",
          "user-agent": "vigie-setup",
          ...(body ? { "content-type": "application/json" } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
      if (response.status === 429 && attempt < MAX_RATE_LIMITED) {
        await response.body?.cancel().catch(() => undefined);
        const reset = Number(response.headers.get("x-ratelimit-reset"));
        const wait = Number.isFinite(reset) ? reset * 1000 - Date.now() : 0;
        await sleep(Math.min(Math.max(wait, 1000), MAX_WAIT_MS));
        continue;
      }
      const text = await response.text();
      if (!response.ok) throw new NetlifyApiError(response.status, `${method} ${url.pathname}`, text);
      try {
        return text === "" ? null : JSON.parse(text);
      } catch {
        throw new NetlifyApiError(response.status, `${method} ${url.pathname}`, "not JSON");
      }
    }
  };
  const list = async <S extends ZodMiniType>(path: string, item: S): Promise<Infer<S>[]> =>
    readAnswer(array(item), await call("GET", path), `Netlify's ${path.split("?")[0]}`);
  return {
    listHookTypes: () => list("/hooks/types", netlifyHookTypeSchema),
    async listSites() {
      const sites = new Map<string, NetlifySite>();
      let previous = "";
      for (let page = 1; ; page++) {
        if (page > MAX_PAGES)
          throw new Error(`Netlify lists more than ${MAX_PAGES} pages of sites: not read in part`);
        const batch = await list(`/sites?filter=all&page=${page}&per_page=${PER_PAGE}`, netlifySiteSchema);
        const ids = batch.map((site) => site.id).join(",");
        if (ids === previous) break;
        previous = ids;
        for (const { id, name } of batch) sites.set(id, { id, name });
        if (batch.length < PER_PAGE) break;
      }
      return [...sites.values()];
    },
    listHooks: (siteId) => list(`/hooks?site_id=${encodeURIComponent(siteId)}`, netlifyHookSchema),
    async createHook(siteId, body) {
      const hook = await call("POST", `/hooks?site_id=${encodeURIComponent(siteId)}`, body);
      return readAnswer(textIdSchema, hook, "Netlify's new hook").id;
    },
    async updateHook(hookId, body) {
      await call("PUT", `/hooks/${encodeURIComponent(hookId)}`, body);
    },
    async enableHook(hookId) {
      await call("POST", `/hooks/${encodeURIComponent(hookId)}/enable`);
    },
  };
};
