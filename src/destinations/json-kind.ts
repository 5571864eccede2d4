import { createHash } from "node:crypto";
import { lazyImport } from "../lazy-import.ts";
import type { Destination } from "../routing/routing.ts";
import type { SendResult } from "../slack/message.ts";
import { FOLLOW_UPS } from "./follow-ups.ts";
import { classifyAnswer, logFailure, request } from "./http-post.ts";
import { jsonDocument } from "./json-document.ts";
import type { DestinationKind, KindMessage } from "./kind.ts";

type Json = Extract<Destination, { kind: "json" }>;

/**
 * Any HTTP receiver: one JSON document per message (json-document.ts), signed as Standard Webhooks
 * (https://www.standardwebhooks.com/) with the `standardwebhooks` package: `webhook-id` is the message's
 * idempotency key (the outbox entry's id, the same at every retry, so that receivers can deduplicate),
 * `webhook-timestamp` the attempt's time in seconds, `webhook-signature` `v1,<base64 HMAC-SHA256>` of
 * `id.timestamp.body` with the `whsec_…` secret. 2xx is delivered; the rest as every HTTP kind (http-post.ts).
 */
const loadSigner = lazyImport(() => import("./sign-webhook.ts"));

/** Without an outbox id (a preview), an id derived from the document, stable for the same document. */
const idOf = (message: KindMessage, messageId: string | undefined): string =>
  messageId ?? `msg_${createHash("sha256").update(JSON.stringify(message)).digest("hex").slice(0, 32)}`;

export interface SignedRequest {
  readonly body: string;
  readonly headers: Record<"webhook-id" | "webhook-timestamp" | "webhook-signature", string>;
}

/** The signed request of a message, or null when it has no document (a Slack message from an old entry). */
export const signedRequest = async (
  message: KindMessage,
  secret: string,
  messageId: string | undefined,
  now: number,
): Promise<SignedRequest | null> => {
  const id = idOf(message, messageId);
  const document = jsonDocument(message, id);
  if (document === null) return null;
  const body = JSON.stringify(document);
  const { signWebhook } = await loadSigner();
  const at = new Date(Math.floor(now / 1000) * 1000);
  return {
    body,
    headers: {
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": signWebhook(secret, id, at, body),
    },
  };
};

export const jsonKind: DestinationKind<Json> = {
  id: "json",
  limits: "one signed JSON document per message (docs/webhook-events.md); digests of ≤ 40 sites",
  classify: classifyAnswer,
  followUps: FOLLOW_UPS.json,
  format: (message, messageId) => jsonDocument(message, idOf(message, messageId)),
  connect: (destination, deps) => {
    const now = deps.now ?? Date.now;
    const variable = `JSON_WEBHOOK_URL_${destination.name}`;
    return {
      send: async (message, options = {}): Promise<SendResult> => {
        const signed = await signedRequest(message, destination.secret, options.messageId, now());
        if (signed === null) {
          const dead = { kind: "dead", reason: "a Slack message has no JSON document", status: 0 } as const;
          logFailure(deps.log, dead, destination.name, variable);
          return dead;
        }
        const posted = await request(
          destination.url,
          { method: "POST", body: signed.body, headers: signed.headers },
          { timeoutMs: options.timeoutMs ?? deps.timeoutMs, fetch: deps.fetch },
        );
        const result =
          posted.kind === "answer" ? classifyAnswer(posted.answer, destination.url, now()) : posted;
        if (result.kind === "retryable" || result.kind === "dead")
          logFailure(deps.log, result, destination.name, variable);
        return result;
      },
    };
  },
};
