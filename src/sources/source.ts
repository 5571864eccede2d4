import type { Config } from "../config.ts";
import type { RunEvent } from "../event.ts";

/** The raw body, read once: bytes for hashing, text for HMAC and parsing. */
export interface RawBody {
  readonly bytes: Uint8Array;
  readonly text: string;
  /**
   * false when the bytes are not valid UTF-8: `text` then holds U+FFFD where they were, and no longer
   * stands for exactly the bytes that were signed.
   */
  readonly utf8: boolean;
}

/**
 * What a verified delivery is about, before policy: a run/deploy to consider, or an answer right away
 * (`ping`, an event vigie does not watch, a run that is not finished, a cancelled Netlify build...).
 */
export type Interpretation =
  | { readonly kind: "run"; readonly event: RunEvent }
  | { readonly kind: "skip"; readonly status: "ignored" | "pong"; readonly reason: string };

/**
 * One webhook source. `handleWebhook` (src/http/handle-webhook.ts) runs the request-handling steps (docs/architecture.md) in order and
 * calls these at steps 4 (verify), 5-8 (interpret).
 */
export interface Source {
  readonly name: "github" | "netlify" | "gitlab";
  /** The variable named in the fail-closed log line. */
  readonly secretVariable: "GITHUB_WEBHOOK_SECRET" | "NETLIFY_WEBHOOK_SECRET" | "GITLAB_WEBHOOK_TOKEN";
  /** The header naming the event (`workflow_run`, `deploy_failed`, `Pipeline Hook`...), logged with each delivery. */
  readonly eventHeader: "x-github-event" | "x-netlify-event" | "x-gitlab-event";
  /** What to check when `verify` refuses a delivery, for the log; a default names `secretVariable`. */
  readonly verifyHint?: string;
  secrets(config: Config): readonly string[];
  /**
   * true only for a valid signature by one of `secrets` (current first, then previous) over exactly
   * `body` (and, for a source with a second check such as GitLab's signing token, that one too, read
   * from `config`). Any missing or malformed header is `false`, never an exception.
   */
  verify(body: RawBody, headers: Headers, secrets: readonly string[], config: Config): Promise<boolean>;
  /**
   * X-GitHub-Delivery, GitLab's Idempotency-Key, or for Netlify a hash of the body. Only for logs. Called first with `body` null
   * (so that a delivery refused before its body is read is still named), then with the body.
   */
  deliveryId(headers: Headers, body: RawBody | null): string;
  /**
   * Parse (JSON or form-encoded), route by event, validate only the fields read, normalise.
   * Throws BadRequestError for broken JSON, a missing event header or a wrong shape.
   */
  interpret(body: RawBody, headers: Headers): Interpretation;
}
