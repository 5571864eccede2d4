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
};

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
      reason: error.publicMessage,
    });
  }
  return jsonResponse(500, { status: "error", code: "internal", reason: "internal error" });
};
