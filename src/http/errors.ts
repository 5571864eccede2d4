import { type ErrorCode, VigieError } from "../errors.ts";

/**
 * The one place where vigie's error codes become HTTP statuses (octokit's create-middleware.ts keeps such
 * a table; hono's HTTPException.getResponse() renders one answer). An answer carries the public message
 * only: what the log line says in full (a rejected value, a cause) never reaches whoever called.
 */
export const STATUS_OF: Readonly<Record<ErrorCode, number>> = {
  config_invalid: 500,
  secret_missing: 500,
  payload_too_large: 413,
  signature_invalid: 401,
  bad_request: 400,
  // GitHub then shows a failed delivery, which can be redelivered once the store is back.
  store_unavailable: 503,
  // Not thrown by a webhook route; a route that met one anyway failed on its side.
  route_invalid: 500,
  mention_invalid: 500,
  usage: 500,
  setting_missing: 500,
  // An upstream API (GitHub, GitLab, Netlify) failed or misbehaved.
  api_answered: 502,
  api_unexpected_answer: 502,
  listing_too_long: 502,
  cross_origin: 502,
  too_many_redirects: 502,
  response_too_large: 502,
};

/** The codes a webhook route throws on purpose (RequestError in src/errors.ts), whose public message may be shown. */
const ROUTE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "config_invalid",
  "secret_missing",
  "payload_too_large",
  "signature_invalid",
  "bad_request",
  "store_unavailable",
]);

/** The small JSON answer every route gives. */
export const jsonResponse = (
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });

/** 405 for a method the route does not serve; `allow` lists the ones it does. */
export const methodNotAllowed = (allow: string): Response =>
  jsonResponse(
    405,
    { status: "error", code: "method_not_allowed", reason: `only ${allow} is accepted` },
    { Allow: allow },
  );

/**
 * Renders an error as the answer: a VigieError with its code's status and its public message; anything
 * else is a plain 500 whose details only reach the log.
 */
export const toResponse = (error: unknown): Response => {
  if (error instanceof VigieError) {
    return jsonResponse(STATUS_OF[error.code], {
      status: "error",
      code: error.code,
      // Only a route's own errors speak to the caller; another's message (a provider's text) stays in the log.
      reason: ROUTE_CODES.has(error.code) ? error.publicMessage : "internal error; the function log says why",
    });
  }
  return jsonResponse(500, { status: "error", code: "internal", reason: "internal error" });
};
