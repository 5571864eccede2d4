import { readTail } from "./read-tail.ts";
import { MAX_LOG_CHARS } from "./select-excerpt.ts";

/**
 * One job's log, its tail only, within a deadline (docs/architecture.md, "Why it failed"). The request asks
 * for the last MAX_LOG_BYTES (`Range: bytes=-N`); a host that ignores it is read through in bounded memory
 * (read-tail.ts), up to MAX_READ_BYTES. Credentials go to the API's origin only: a redirect to another
 * origin (GitHub answers 302 to a short-lived blob URL) is followed without them (requestWithoutLeak).
 */
export const MAX_LOG_BYTES = MAX_LOG_CHARS;
/** A host that ignores Range is read this far at most, then given up on (the tail is what matters). */
export const MAX_READ_BYTES = 64 * 1024 * 1024;
const MAX_REDIRECTS = 3;
/** Between two tries of a log that is not ready yet (404). */
const RETRY_MS = 1_000;

export type LogProblem =
  | "timeout"
  | "forbidden"
  | "not_found"
  | "rate_limited"
  | "unreachable"
  | "error"
  | "too_large";

export type LogFetch =
  | { readonly kind: "ok"; readonly text: string; readonly whole: boolean; readonly bytesRead: number }
  | { readonly kind: "problem"; readonly problem: LogProblem; readonly status: number | null };

export interface LogRequest {
  readonly url: string;
  /** Sent to `url`'s origin only (the token); never to a redirect's other origin. */
  readonly credentials: Readonly<Record<string, string>>;
  /** Sent everywhere (Accept, User-Agent). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly deadline: number;
  /** 404 means "not ready yet" (GitHub, just after a job ends): tried again until the deadline. */
  readonly retryNotFound?: boolean;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const isRedirect = (status: number): boolean => [301, 302, 303, 307, 308].includes(status);

/**
 * GET `url`, following up to three redirects by hand (`redirect: "manual"`): the credentials go along only
 * while the target keeps `url`'s origin; another origin, or a non-http(s) Location, gets none. The one place
 * where a redirect is followed, kept small so that a shared same-origin fetch helper can replace it.
 */
export const requestWithoutLeak = async (
  url: string,
  credentials: Readonly<Record<string, string>>,
  headers: Readonly<Record<string, string>>,
  signal: AbortSignal,
  fetchImpl: typeof fetch,
): Promise<Response> => {
  const origin = new URL(url).origin;
  let target = new URL(url);
  for (let hop = 0; ; hop++) {
    const same = target.origin === origin;
    const response = await fetchImpl(target, {
      method: "GET",
      headers: { ...headers, ...(same ? credentials : {}) },
      redirect: "manual",
      signal,
    });
    const location = response.headers.get("location");
    if (!isRedirect(response.status) || location === null || hop >= MAX_REDIRECTS) return response;
    await response.body?.cancel().catch(() => undefined);
    const next = new URL(location, target);
    if (next.protocol !== "https:" && next.protocol !== "http:") return response;
    target = next;
  }
};

const problemOf = (status: number): LogProblem =>
  status === 401 || status === 403
    ? "forbidden"
    : status === 404 || status === 410
      ? "not_found"
      : status === 429
        ? "rate_limited"
        : "error";

const sleepUntil = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The log's tail as text, or why not. Never throws, never outlives `deadline`. */
export const fetchLogTail = async (request: LogRequest): Promise<LogFetch> => {
  const now = request.now ?? Date.now;
  const sleep = request.sleep ?? sleepUntil;
  const fetchImpl = request.fetch ?? fetch;
  // Not every host takes a suffix range (it may answer 400 or 416): then the log is asked for whole.
  let ranged = true;
  let notReady = false;
  for (;;) {
    const headers = ranged
      ? { ...request.headers, range: `bytes=-${MAX_LOG_BYTES}` }
      : { ...request.headers };
    const left = request.deadline - now();
    if (left <= 0) {
      return notReady
        ? { kind: "problem", problem: "not_found", status: 404 }
        : { kind: "problem", problem: "timeout", status: null };
    }
    const signal = AbortSignal.timeout(left);
    try {
      const response = await requestWithoutLeak(request.url, request.credentials, headers, signal, fetchImpl);
      // Only the API's own 404 means "not ready yet"; the log host's means the log is gone.
      const fromApi = response.url === "" || new URL(response.url).origin === new URL(request.url).origin;
      if (response.status === 404 && request.retryNotFound && fromApi) {
        await response.body?.cancel().catch(() => undefined);
        notReady = true;
        const wait = Math.min(RETRY_MS, request.deadline - now());
        if (wait <= 0) return { kind: "problem", problem: "not_found", status: 404 };
        await sleep(wait);
        continue;
      }
      if (ranged && (response.status === 416 || response.status === 400)) {
        await response.body?.cancel().catch(() => undefined);
        ranged = false;
        continue;
      }
      if (response.status !== 200 && response.status !== 206) {
        await response.body?.cancel().catch(() => undefined);
        return { kind: "problem", problem: problemOf(response.status), status: response.status };
      }
      const tail = await readTail(response.body, MAX_LOG_BYTES, MAX_READ_BYTES);
      if (!tail.complete) return { kind: "problem", problem: "too_large", status: response.status };
      // A 206 is a tail by construction: unless it is the whole log, it starts mid-line.
      const range = /^bytes (\d+)-/.exec(response.headers.get("content-range") ?? "");
      const whole = tail.whole && (response.status === 200 || range?.[1] === "0");
      return {
        kind: "ok",
        text: new TextDecoder("utf-8", { fatal: false }).decode(tail.bytes),
        whole,
        bytesRead: tail.read,
      };
    } catch {
      return { kind: "problem", problem: signal.aborted ? "timeout" : "unreachable", status: null };
    }
  }
};
