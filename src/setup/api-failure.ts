import { fieldOf } from "../field-of.ts";
import { CrossOriginError, ResponseTooLargeError, TooManyRedirectsError } from "../net/same-origin-fetch.ts";
import { printable } from "../text/printable.ts";
import { redact } from "../text/redact.ts";

/**
 * What went wrong with a call to GitHub, Netlify or GitLab, said once, for `setup` and `doctor`: a host
 * that cannot be reached (DNS, connection refused, timeout) is not "answered 500", and a refused token is
 * told apart from the rest so that only then is the token variable named. The API's own words are kept to
 * one line of printable characters, with anything shaped like a token masked.
 */
export type ApiFailureKind =
  | "unreachable"
  | "timeout"
  | "refused_token"
  | "answered"
  | "cross_origin"
  | "too_large"
  | "other";

export interface ApiFailure {
  readonly kind: ApiFailureKind;
  /** One line: "GitLab answered 401 to GET /groups/9: 401 Unauthorized", "cannot reach api.github.com: …". */
  readonly text: string;
}

const NETWORK_CODES: Readonly<Record<string, string>> = {
  ENOTFOUND: "no such host (DNS)",
  EAI_AGAIN: "DNS lookup failed",
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  CERT_HAS_EXPIRED: "its TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "its TLS certificate is self-signed",
};

/** The error and its causes, outermost first (octokit wraps a fetch failure in a RequestError). */
const chain = (error: unknown): unknown[] => {
  const errors: unknown[] = [];
  for (let current = error; current !== undefined && errors.length < 5; ) {
    errors.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return errors;
};

const clean = (text: string): string => printable(redact(text)).slice(0, 200);

/** Status and message of an HTTP error from octokit (`status`), our GitLab/Netlify clients (`status`). */
export const describeApiFailure = (error: unknown, provider: string, host: string): ApiFailure => {
  const errors = chain(error);
  for (const e of errors) {
    if (e instanceof CrossOriginError || e instanceof TooManyRedirectsError)
      return { kind: "cross_origin", text: `${provider}: ${clean(e.message)}` };
    if (e instanceof ResponseTooLargeError)
      return { kind: "too_large", text: `${provider}: ${clean(e.message)}` };
  }
  for (const e of errors) {
    if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError"))
      return { kind: "timeout", text: `${provider} (${host}) did not answer in time` };
    const code = fieldOf(e, "code");
    if (typeof code === "string" && NETWORK_CODES[code] !== undefined)
      return { kind: "unreachable", text: `cannot reach ${host}: ${NETWORK_CODES[code]} (${code})` };
  }
  const top = errors[0];
  const status = fieldOf(top, "status");
  const response = fieldOf(top, "response");
  const message = top instanceof Error ? (top.message.split("\n")[0] ?? "") : String(top);
  // octokit says 500 when fetch itself failed (no response): that is not GitHub's answer.
  if (
    typeof status === "number" &&
    !(status === 500 && response === undefined && top instanceof Error && top.cause)
  ) {
    const said = message.startsWith(`${provider} answered`)
      ? message
      : `${provider} answered ${status}${message ? `: ${message}` : ""}`;
    return { kind: status === 401 || status === 403 ? "refused_token" : "answered", text: clean(said) };
  }
  if (top instanceof Error && top.cause !== undefined)
    return { kind: "unreachable", text: `cannot reach ${host}: ${clean(message)}` };
  return { kind: "other", text: clean(message) };
};

/** The host of an API base URL, for "cannot reach …". */
export const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};
