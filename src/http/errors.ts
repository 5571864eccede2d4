/**
 * Errors that know their HTTP status (hono's HTTPException, octokit's status table). One place,
 * `toResponse`, renders them; anything else is logged and becomes a plain 500.
 */
export type ErrorCode =
  | "method_not_allowed"
  | "config_invalid"
  | "secret_missing"
  | "payload_too_large"
  | "signature_invalid"
  | "bad_request"
  | "store_unavailable"
  | "internal";

export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.headers = options.headers ?? {};
  }

  /** What the HTTP answer says; `message` may say more, for the log only. */
  get publicMessage(): string {
    return this.message;
  }
}

export const methodNotAllowed = (): HttpError =>
  new HttpError(405, "method_not_allowed", "only POST is accepted", { headers: { Allow: "POST" } });

export const badRequest = (message: string, cause?: unknown): HttpError =>
  new HttpError(400, "bad_request", message, cause === undefined ? {} : { cause });

/** Thrown by a Store when Netlify Blobs cannot be reached or answers with an error. */
export class StoreUnavailableError extends HttpError {
  constructor(operation: string, cause?: unknown) {
    super(
      503,
      "store_unavailable",
      `store unavailable during ${operation}`,
      cause === undefined ? {} : { cause },
    );
    this.name = "StoreUnavailableError";
  }
}

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

/**
 * Renders an error as the answer. HttpErrors keep their status and a message that is safe to show
 * (it never contains a secret); anything else is a plain 500 whose details only reach the log.
 */
export const toResponse = (error: unknown): Response => {
  if (error instanceof HttpError) {
    return jsonResponse(
      error.status,
      { status: "error", code: error.code, reason: error.message },
      error.headers,
    );
  }
  return jsonResponse(500, { status: "error", code: "internal", reason: "internal error" });
};
