/**
 * A `fetch` that keeps credentials on their own origin (docs/architecture.md, "Trust boundaries").
 * Every API client of vigie goes through it: GitHub (@octokit/request's `request.fetch`), Netlify, GitLab,
 * the Slack Web API (WebClient's `fetch`) and the GitHub jobs lookup.
 *
 * - Redirects are followed by hand (`redirect: "manual"` underneath), at most `maxRedirects`. A hop to the
 *   same origin keeps everything; a hop to another origin is followed without the credential headers
 *   (`authorization`, `private-token`, `cookie`…), or refused with `crossOrigin: "refuse"`. A 307/308 of a
 *   request with a body is never followed to another origin (it would re-send the body, which may hold a
 *   secret such as a hook's token): that throws `CrossOriginError`. A 303 (and a 301/302 of a POST)
 *   becomes a GET without body, as browsers do (https://fetch.spec.whatwg.org/#http-redirect-fetch).
 *   Once credentials are dropped they stay dropped for the rest of the chain.
 * - `init.redirect: "error"` still throws on any redirect, `"manual"` still returns the 3xx as it is.
 * - `timeoutMs` bounds each call in time (joined with the caller's own `signal`, if any).
 * - `maxBytes` bounds the answer's body: a larger `content-length` is refused before reading, and a body
 *   that grows past the bound is cut off and throws `ResponseTooLargeError`. The returned Response then
 *   holds the body in memory (at most `maxBytes`). Without `maxBytes` the body streams through untouched,
 *   so a caller that reads a large log itself (the last bytes of a job log behind a 302 to a storage host)
 *   can stream it.
 */

import { VigieError } from "../errors.ts";
import { readAtMost } from "./read-at-most.ts";

/** Headers that authenticate a request; never sent to another origin. Lower case. */
export const CREDENTIAL_HEADERS: readonly string[] = [
  "authorization",
  "proxy-authorization",
  "cookie",
  "private-token",
  "job-token",
  "x-api-key",
];

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface SameOriginFetchOptions {
  /** The fetch underneath (tests, or another wrapper); globalThis.fetch by default. */
  readonly fetch?: typeof globalThis.fetch | undefined;
  /** Credential headers, lower case, added to CREDENTIAL_HEADERS. */
  readonly credentialHeaders?: readonly string[] | undefined;
  /** "strip" (default): follow a cross-origin redirect without credentials; "refuse": throw. */
  readonly crossOrigin?: "strip" | "refuse" | undefined;
  /** Redirects followed at most (default 5). */
  readonly maxRedirects?: number | undefined;
  /** The answer's body is at most this many bytes; unset: unbounded and streamed. */
  readonly maxBytes?: number | undefined;
  /** Each call (every hop, and the body when bounded) within this many ms, with the caller's signal. */
  readonly timeoutMs?: number | undefined;
}

/** A redirect (or a page link) to another origin that vigie will not follow with what it carries. */
export class CrossOriginError extends VigieError {
  readonly code = "cross_origin";
  readonly from: string;
  readonly to: string;
  constructor(what: string, from: URL, to: URL) {
    super(`${what} from ${from.origin} to another origin, ${to.origin}: not followed with credentials`);
    this.from = from.origin;
    this.to = to.origin;
  }
}

export class TooManyRedirectsError extends VigieError {
  readonly code = "too_many_redirects";
  constructor(max: number) {
    super(`more than ${max} redirects`);
  }
}

export class ResponseTooLargeError extends VigieError {
  readonly code = "response_too_large";
  readonly maxBytes: number;
  constructor(url: string, maxBytes: number) {
    super(`the answer of ${url} is larger than ${maxBytes} bytes: not read`);
    this.maxBytes = maxBytes;
  }
}

/** Two URLs of the same origin (scheme, host and port). */
export const sameOrigin = (a: URL | string, b: URL | string): boolean =>
  new URL(a).origin === new URL(b).origin;

const readBounded = async (response: Response, url: string, maxBytes: number): Promise<Response> => {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new ResponseTooLargeError(url, maxBytes);
  }
  if (response.body === null) return response;
  const body = await readAtMost(response.body, maxBytes);
  if (body === null) throw new ResponseTooLargeError(url, maxBytes);
  const bounded = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  // Callers read `url` (octokit names it in errors); a constructed Response has none.
  Object.defineProperty(bounded, "url", { value: response.url || url });
  return bounded;
};

/** A request taken apart, so that each hop can be rebuilt. */
const partsOf = async (input: string | URL | Request, init: RequestInit | undefined) => {
  if (input instanceof Request) {
    const request = new Request(input, init);
    const body =
      request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
    const withSignal: RequestInit = { signal: request.signal, ...init };
    return {
      url: new URL(request.url),
      method: request.method,
      headers: request.headers,
      body,
      init: withSignal,
    };
  }
  const method = (init?.method ?? "GET").toUpperCase();
  return { url: new URL(input), method, headers: new Headers(init?.headers), body: init?.body, init };
};

/** A fetch with same-origin credentials and, optionally, a bounded body (see above). */
export const sameOriginFetch = (options: SameOriginFetchOptions = {}): typeof globalThis.fetch => {
  const credentials = new Set([...CREDENTIAL_HEADERS, ...(options.credentialHeaders ?? [])]);
  const maxRedirects = options.maxRedirects ?? 5;
  const wrapped = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const base = options.fetch ?? globalThis.fetch;
    const parts = await partsOf(input, init);
    if (options.timeoutMs !== undefined) {
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const own = parts.init?.signal;
      parts.init = { ...parts.init, signal: own ? AbortSignal.any([own, timeout]) : timeout };
    }
    const origin = parts.url;
    const mode = init?.redirect ?? (input instanceof Request ? input.redirect : "follow");
    let { url, method, body } = parts;
    const headers = new Headers(parts.headers);
    for (let hop = 0; ; hop++) {
      const response = await base(url, {
        ...parts.init,
        method,
        headers,
        ...(body === undefined || body === null ? { body: null } : { body }),
        redirect: "manual",
      });
      const location = response.headers.get("location");
      if (!REDIRECTS.has(response.status) || location === null || mode === "manual") {
        return options.maxBytes === undefined ? response : readBounded(response, url.href, options.maxBytes);
      }
      await response.body?.cancel().catch(() => undefined);
      if (mode === "error") throw new TypeError(`redirect ${response.status} refused (redirect: "error")`);
      if (hop >= maxRedirects) throw new TooManyRedirectsError(maxRedirects);
      const next = new URL(location, url);
      if (next.protocol !== "https:" && next.protocol !== "http:")
        throw new CrossOriginError("a redirect", url, next);
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === "POST")
      ) {
        if (method !== "HEAD") method = "GET";
        body = undefined;
        headers.delete("content-type");
        headers.delete("content-length");
      }
      if (!sameOrigin(next, origin)) {
        if (options.crossOrigin === "refuse") throw new CrossOriginError("a redirect", url, next);
        // A 307/308 keeps the body: it never goes to another origin.
        if (body !== undefined && body !== null)
          throw new CrossOriginError("a redirect with a body", url, next);
        for (const name of credentials) headers.delete(name);
      }
      url = next;
    }
  };
  return wrapped as typeof globalThis.fetch;
};
