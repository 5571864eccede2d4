/**
 * Local HTTP servers standing in for the GitHub, Netlify and GitLab REST APIs (the parts `npm run setup`
 * and `npm run doctor` call), with in-memory hooks, so that the real commands can run against them
 * through GITHUB_API_URL, NETLIFY_API_URL and GITLAB_API_URL. Each records the requests it got.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";

export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly authorization: string | undefined;
  readonly privateToken: string | undefined;
  /** Every header as it arrived. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as it is, not as JSON. */
  raw?: string | Buffer;
}

type Handler = (req: Recorded, url: URL) => Answer;

/** Answers a test puts before a stand-in's own (a redirect, a page link, a strange body). */
export type Intercept = (req: Recorded, url: URL) => Answer | undefined;

export interface StandIn {
  readonly url: string;
  readonly requests: Recorded[];
  /** Requests that change something (not GET). */
  writes(): Recorded[];
  close(): Promise<void>;
}

const readJson = async (req: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

const serve = async (prefix: string, handler: Handler): Promise<StandIn> => {
  const requests: Recorded[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const recorded: Recorded = {
        method: req.method ?? "GET",
        path: url.pathname.slice(prefix.length),
        body: await readJson(req),
        authorization: req.headers.authorization,
        privateToken: req.headers["private-token"] as string | undefined,
        headers: { ...req.headers },
      };
      requests.push(recorded);
      const answer = handler(recorded, url);
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      res.end(answer.raw ?? (answer.body === undefined ? "" : JSON.stringify(answer.body)));
    })().catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    writes: () => requests.filter((request) => request.method !== "GET"),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const page = <T>(items: readonly T[], url: URL, fallback = 30): T[] => {
  const perPage = Number(url.searchParams.get("per_page") ?? fallback);
  const number = Number(url.searchParams.get("page") ?? 1);
  return items.slice((number - 1) * perPage, number * perPage);
};

export interface GithubState {
  hooks: Array<{
    id: number;
    name: string;
    active: boolean;
    events: string[];
    config: Record<string, unknown>;
  }>;
  deliveries: Array<{
    id: number;
    guid: string;
    delivered_at: string;
    status_code: number;
    event: string;
    status: string;
  }>;
  intercept?: Intercept;
}

/** GitHub: an organisation's hooks and their deliveries (https://docs.github.com/rest/orgs/webhooks). */
export const githubStandIn = (org: string, state: GithubState): Promise<StandIn> => {
  let nextId = 100;
  return serve("", (req, url) => {
    const intercepted = state.intercept?.(req, url);
    if (intercepted) return intercepted;
    if (req.authorization !== "Bearer gh-token") return { status: 401, body: { message: "Bad credentials" } };
    const base = `/orgs/${org}/hooks`;
    if (req.method === "GET" && req.path === base) return { status: 200, body: page(state.hooks, url) };
    if (req.method === "POST" && req.path === base) {
      const body = req.body as GithubState["hooks"][number];
      const hook = { ...body, id: nextId++, config: { ...body.config, secret: "********" } };
      state.hooks.push(hook);
      return { status: 201, body: hook };
    }
    const match = new RegExp(`^${base}/(\\d+)(/deliveries)?$`).exec(req.path);
    const hook = state.hooks.find((candidate) => candidate.id === Number(match?.[1]));
    if (match && hook && req.method === "PATCH" && !match[2]) {
      Object.assign(hook, req.body, {
        config: { ...(req.body as { config: object }).config, secret: "********" },
      });
      return { status: 200, body: hook };
    }
    if (match && hook && req.method === "GET" && match[2])
      return { status: 200, body: page(state.deliveries, url) };
    return { status: 404, body: { message: "Not Found" } };
  });
};

export interface NetlifyState {
  sites: Array<{ id: string; name: string }>;
  hooks: Array<{
    id: string;
    site_id: string;
    type: string;
    event: string;
    data: Record<string, unknown>;
    disabled: boolean;
  }>;
  /** How many of the next requests answer 429 (with X-RateLimit-Reset one second ahead). */
  rateLimited: number;
  /** Sites whose hook listing answers 500. */
  failing?: string[];
  intercept?: Intercept;
}

/** Netlify: sites and outgoing hooks (https://open-api.netlify.com/#tag/hook). */
export const netlifyStandIn = (state: NetlifyState): Promise<StandIn> => {
  let nextId = 1;
  return serve("/api/v1", (req, url) => {
    const intercepted = state.intercept?.(req, url);
    if (intercepted) return intercepted;
    if (req.authorization !== "Bearer nf-token") return { status: 401, body: { message: "Access Denied" } };
    if (state.rateLimited > 0) {
      state.rateLimited--;
      // Epoch seconds, as Netlify sends it; @netlify/api waits until then (at least 1 s).
      return {
        status: 429,
        body: { message: "rate limited" },
        headers: { "X-RateLimit-Reset": String(Math.ceil(Date.now() / 1000) + 1) },
      };
    }
    if (req.method === "GET" && req.path === "/hooks/types") {
      return {
        status: 200,
        body: [
          { name: "email", events: ["deploy_failed"], fields: [{ name: "email" }] },
          {
            name: "url",
            events: ["deploy_building", "deploy_created", "deploy_failed", "submission_created"],
            fields: [{ name: "url" }, { name: "signature_secret" }],
          },
        ],
      };
    }
    if (req.method === "GET" && req.path === "/sites")
      return { status: 200, body: page(state.sites, url, 100) };
    const siteId = url.searchParams.get("site_id");
    if (req.method === "GET" && req.path === "/hooks") {
      if (siteId !== null && state.failing?.includes(siteId))
        return { status: 500, body: { message: "boom" } };
      return { status: 200, body: state.hooks.filter((hook) => hook.site_id === siteId) };
    }
    if (req.method === "POST" && req.path === "/hooks") {
      const hook = {
        ...(req.body as NetlifyState["hooks"][number]),
        id: `hook-${nextId++}`,
        disabled: false,
      };
      if (hook.site_id !== siteId) return { status: 422, body: { message: "site_id mismatch" } };
      state.hooks.push(hook);
      return { status: 201, body: hook };
    }
    const match = /^\/hooks\/([^/]+)(\/enable)?$/.exec(req.path);
    const hook = state.hooks.find((candidate) => candidate.id === match?.[1]);
    if (match && hook && req.method === "PUT") {
      Object.assign(hook, req.body);
      return { status: 200, body: hook };
    }
    if (match && hook && req.method === "POST" && match[2]) {
      hook.disabled = false;
      return { status: 200, body: hook };
    }
    return { status: 404, body: { message: "Not Found" } };
  });
};

export interface GitlabState {
  group: { id: number; full_path: string };
  projects: Array<{ id: number; path_with_namespace: string }>;
  hooks: Record<string, Array<Record<string, unknown> & { id: number; url: string }>>;
  intercept?: Intercept;
}

/** GitLab: a group, its projects (offset pagination with x-next-page), group and project hooks. */
export const gitlabStandIn = (state: GitlabState): Promise<StandIn> => {
  let nextId = 1;
  return serve("/api/v4", (req, url) => {
    const intercepted = state.intercept?.(req, url);
    if (intercepted) return intercepted;
    if (req.privateToken !== "gl-token") return { status: 401, body: { message: "401 Unauthorized" } };
    if (req.method === "GET" && req.path === `/groups/${encodeURIComponent(state.group.full_path)}`) {
      return { status: 200, body: state.group };
    }
    if (req.method === "GET" && req.path === `/groups/${state.group.id}/projects`) {
      const perPage = Number(url.searchParams.get("per_page") ?? 20);
      const number = Number(url.searchParams.get("page") ?? 1);
      const more = number * perPage < state.projects.length;
      return {
        status: 200,
        body: page(state.projects, url),
        headers: { "x-next-page": more ? String(number + 1) : "" },
      };
    }
    const match = /^\/(groups|projects)\/(\d+)\/hooks(?:\/(\d+))?$/.exec(req.path);
    if (!match) return { status: 404, body: { message: "404 Not Found" } };
    const key = `${match[1]}/${match[2]}`;
    state.hooks[key] ??= [];
    const hooks = state.hooks[key];
    if (req.method === "GET" && !match[3]) return { status: 200, body: page(hooks, url) };
    if (req.method === "POST" && !match[3]) {
      const { token: _token, ...body } = req.body as Record<string, unknown> & { url: string };
      const hook = { alert_status: "executable", ...body, id: nextId++ };
      hooks.push(hook);
      return { status: 201, body: hook };
    }
    const hook = hooks.find((candidate) => candidate.id === Number(match[3]));
    if (hook && req.method === "PUT") {
      const { token: _token, ...body } = req.body as Record<string, unknown>;
      Object.assign(hook, body, { alert_status: "executable" });
      return { status: 200, body: hook };
    }
    return { status: 404, body: { message: "404 Not Found" } };
  });
};

/**
 * A second origin (another port of 127.0.0.1, so another origin), where a redirect or a page link sends
 * the client: it records what arrives (did a token or a secret leave?) and answers `answer` (an empty JSON
 * list by default).
 */
export const otherOrigin = (answer: Handler = () => ({ status: 200, body: [] })): Promise<StandIn> =>
  serve("", answer);

/**
 * The three re-run endpoints (GitHub `rerun-failed-jobs`, GitLab pipeline `retry`, Netlify site `builds`),
 * one stand-in for all: `answer(path)` chooses the status (default 201), e.g. 403 for a token without
 * "Actions: write" (with GitHub's message, https://docs.github.com/rest/actions/workflow-runs).
 */
export const rerunStandIn = (answer: (path: string) => number = () => 201): Promise<StandIn> =>
  serve("", (req) => {
    const known =
      /^\/repos\/[^/]+\/[^/]+\/actions\/runs\/\d+\/rerun-failed-jobs$/.test(req.path) ||
      /^\/projects\/\d+\/pipelines\/\d+\/retry$/.test(req.path) ||
      /^\/sites\/[^/]+\/builds$/.test(req.path);
    if (req.method !== "POST" || !known) return { status: 404, body: { message: "Not Found" } };
    const status = answer(req.path);
    return status === 403
      ? { status, body: { message: "Resource not accessible by personal access token" } }
      : { status, body: { id: 1 } };
  });

/** A deployed vigie's `GET /status`, answering `body` to the right bearer token. */
export const statusStandIn = (token: string, body: unknown): Promise<StandIn> =>
  serve("", (req) => {
    if (req.path !== "/status") return { status: 404, body: {} };
    return req.authorization === `Bearer ${token}` ? { status: 200, body } : { status: 401, body: {} };
  });

/**
 * For a test file: `started(standIn)` awaits a stand-in and closes it after the current test, so that no
 * server outlives the test that started it.
 */
export const closedAfterEach = (): ((standIn: Promise<StandIn>) => Promise<StandIn>) => {
  const standIns: StandIn[] = [];
  afterEach(async () => {
    for (const standIn of standIns.splice(0)) await standIn.close();
  });
  return async (standIn) => {
    const running = await standIn;
    standIns.push(running);
    return running;
  };
};
