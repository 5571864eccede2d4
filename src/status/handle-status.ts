import { type Env, loadConfig } from "../config.ts";
import { VigieError } from "../errors.ts";
import { jsonResponse, methodNotAllowed, toResponse } from "../http/errors.ts";
import { lazyImport } from "../lazy-import.ts";
import { describeError, type Logger } from "../log.ts";
import type { Store } from "../store/store.ts";
import { authorize } from "./authorize.ts";
import { asSummary } from "./status-schema.ts";

/** What an authorised request needs, loaded then: a refused or switched-off request never parses it. */
const loadSilences = lazyImport(() => import("../silences/handle-silences.ts"));
const loadBoard = lazyImport(() =>
  Promise.all([import("./read-status.ts"), import("./render-status.ts"), import("./board-filter.ts")]).then(
    ([read, render, filter]) => ({ ...read, ...render, ...filter }),
  ),
);
const loadResend = lazyImport(() => import("./resend-route.ts"));
const loadExplain = lazyImport(() => import("../explain/explain-site.ts"));

/** The route that puts dead messages back to waiting (resend-route.ts). */
export const RESEND_PATH = "/status/outbox/resend";
/** What `npm run explain -- SITE --url BASE` reads: `?site=SITE` (src/explain/). */
export const EXPLAIN_PATH = "/status/explain";
/** What `npm run silence -- … --url BASE` reads and changes (src/silences/handle-silences.ts). */
export const SILENCES_PATH = "/status/silences";

export interface StatusDeps {
  readonly env: Env;
  readonly log: Logger;
  /** Opened only for an authorised request. */
  readonly store: () => Store;
  /** The clock (tests fix it). */
  readonly now?: () => number;
}

const notFound = () =>
  new Response("Not found\n", { status: 404, headers: { "content-type": "text/plain" } });

/**
 * `GET /status`: off (404) while VIGIE_STATUS_TOKEN is unset; otherwise the token is required (401 with
 * `WWW-Authenticate: Basic`, so a browser asks for it). JSON for `Accept: application/json`, else a page
 * (`?site=&source=&branch=` filter its lists). `POST /status/outbox/resend`, with the same token, puts
 * dead messages back to waiting (resend-route.ts); `GET /status/explain?site=SITE` answers what
 * `npm run explain` shows (src/explain/). One log line per request; the token and the
 * Authorization header never reach it.
 */
export const handleStatus = async (req: Request, deps: StatusDeps): Promise<Response> => {
  const config = loadConfig(deps.env, deps.log);
  const answer = (response: Response, decision: string, extra: Record<string, unknown> = {}) => {
    deps.log(response.status >= 500 ? "error" : "info", "status", {
      decision,
      status: response.status,
      ...extra,
    });
    return response;
  };
  if (config.statusToken === null) return answer(notFound(), "off");
  const url = new URL(req.url);
  const path = url.pathname.replace(/\/+$/, "");
  const resend = path === RESEND_PATH;
  const silences = path.endsWith(SILENCES_PATH);
  if (!silences && (resend ? req.method !== "POST" : req.method !== "GET" && req.method !== "HEAD"))
    return answer(methodNotAllowed(resend ? "POST" : "GET, HEAD"), "method_not_allowed");
  if (!authorize(req.headers.get("authorization"), config.statusToken)) {
    return answer(
      jsonResponse(
        401,
        {
          status: "error",
          code: "unauthorized",
          reason: "send VIGIE_STATUS_TOKEN as a bearer token or a Basic password",
        },
        { "WWW-Authenticate": 'Basic realm="vigie", charset="UTF-8"' },
      ),
      "unauthorized",
    );
  }
  try {
    const now = deps.now?.() ?? Date.now();
    if (silences) {
      const { handleSilences } = await loadSilences();
      return answer(await handleSilences(req, { store: deps.store(), now }), `silences ${req.method}`);
    }
    if (resend) {
      const { handleResend } = await loadResend();
      const { response, decision, fields } = await handleResend(req, deps.store(), now);
      return answer(response, decision, fields);
    }
    if (path === EXPLAIN_PATH) {
      const site = url.searchParams.get("site")?.trim().slice(0, 300) ?? "";
      if (site === "")
        return answer(
          jsonResponse(400, { status: "error", code: "bad_request", reason: "pass ?site=SITE" }),
          "explain_refused",
        );
      const { explainSite } = await loadExplain();
      const explanation = await explainSite(deps.store(), config, site);
      return answer(jsonResponse(200, { ...explanation }, { "cache-control": "no-store" }), "explain", {
        streams: explanation.streams.length,
      });
    }
    const { BOARD_CSP, parseBoardFilter, readStatus, renderStatus } = await loadBoard();
    const report = await readStatus(deps.store(), config, now);
    const headers = { "cache-control": "no-store" };
    if (/\bapplication\/json\b/i.test(req.headers.get("accept") ?? "")) {
      // What doctor reads of it is status-schema.ts's statusSummarySchema (asSummary checks the fit).
      return answer(jsonResponse(200, { ...asSummary(report), ...report }, headers), "json");
    }
    return answer(
      new Response(
        req.method === "HEAD"
          ? null
          : renderStatus(report, {
              now,
              local: deps.env.NETLIFY_DEV === "true",
              filter: parseBoardFilter(url.searchParams),
            }),
        {
          status: 200,
          headers: {
            "content-type": "text/html; charset=utf-8",
            "content-security-policy": BOARD_CSP,
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
            ...headers,
          },
        },
      ),
      "html",
    );
  } catch (error) {
    return answer(
      toResponse(error),
      error instanceof VigieError ? error.code : "internal_error",
      describeError(error),
    );
  }
};
