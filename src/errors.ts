/**
 * vigie's errors: each has a `code` and passes its `cause`, and none knows about HTTP (the pattern of
 * @slack/webhook v8's src/errors.ts: an abstract base that sets `name`, a readonly `code`, a union of what
 * a call can throw). src/http/errors.ts is the one place that turns a code into a status and an answer.
 *
 * `message` is for the log and may say more (a rejected value, a cause); `publicMessage` is all that an
 * answer may show to whoever called, and never carries a value taken from the environment.
 */
export type ErrorCode =
  | "config_invalid"
  | "secret_missing"
  | "payload_too_large"
  | "signature_invalid"
  | "bad_request"
  | "store_unavailable"
  // Configuration that cannot be read (ROUTES, SLACK_MENTIONS): found at startup, never in an answer.
  | "route_invalid"
  | "mention_invalid"
  // Outgoing calls (setup, doctor, any API): what the other side did.
  | "api_answered"
  | "api_unexpected_answer"
  | "listing_too_long"
  | "cross_origin"
  | "too_many_redirects"
  | "response_too_large"
  // The command-line tools: exit 2 (usage) or 1 (a setting to give).
  | "usage"
  | "setting_missing";

export abstract class VigieError extends Error {
  abstract readonly code: ErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }

  /** What an answer may say. By default the message, which subclasses keep free of secrets and values. */
  get publicMessage(): string {
    return this.message;
  }
}

/**
 * A variable whose value cannot be used where it is needed. `message` says what is wrong (for the log and
 * `npm start`); the public message names only the variable (anyone can call a webhook).
 */
export class ConfigError extends VigieError {
  readonly code = "config_invalid";
  readonly variable: string;

  constructor(variable: string, message: string, options?: ErrorOptions) {
    super(`${variable}: ${message}`, options);
    this.variable = variable;
  }

  override get publicMessage(): string {
    return `${this.variable} is invalid; the function log says why`;
  }
}

/** A route's secret is unset: every request of that route is refused (fail closed). */
export class SecretMissingError extends VigieError {
  readonly code = "secret_missing";
  readonly variable: string;

  constructor(variable: string) {
    super(`${variable} is not set`);
    this.variable = variable;
  }
}

export class PayloadTooLargeError extends VigieError {
  readonly code = "payload_too_large";
  constructor(maxBytes: number) {
    super(`body is larger than MAX_BODY_BYTES (${maxBytes} bytes)`);
  }
}

export class SignatureInvalidError extends VigieError {
  readonly code = "signature_invalid";
  constructor() {
    super("signature missing or invalid");
  }
}

/** Broken JSON, a missing event header, a wrong shape: the message names the field, never a secret. */
export class BadRequestError extends VigieError {
  readonly code = "bad_request";
}

/** Thrown by a Store when Netlify Blobs cannot be reached or answers with an error. */
export class StoreUnavailableError extends VigieError {
  readonly code = "store_unavailable";
  readonly operation: string;

  constructor(operation: string, cause?: unknown) {
    super(`store unavailable during ${operation}`, cause === undefined ? undefined : { cause });
    this.operation = operation;
  }
}

/** Everything a webhook route can throw on purpose; anything else is a bug (a plain 500). */
export type RequestError =
  | ConfigError
  | SecretMissingError
  | PayloadTooLargeError
  | SignatureInvalidError
  | BadRequestError
  | StoreUnavailableError;
