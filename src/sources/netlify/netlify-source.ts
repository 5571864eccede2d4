import { createHash } from "node:crypto";
import { BadRequestError } from "../../errors.ts";
import { describeIssue } from "../describe-issue.ts";
import { parseJson } from "../parse-json.ts";
import type { Interpretation, Source } from "../source.ts";
import { normaliseDeploy } from "./normalise.ts";
import { deployPayloadSchema } from "./schema.ts";
import { verifySignature } from "./verify-signature.ts";

/** Event names are short snake_case words; anything else is not echoed back. */
const EVENT_NAME = /^[a-z_]{1,64}$/;

/**
 * Netlify deploy notifications ("Deploy failed" / "Deploy succeeded" outgoing webhooks). The body is the
 * deploy object; `X-Webhook-Signature` is a JWS (verify-signature.ts). Netlify sends no delivery id:
 * besides the signature, the only header of its own is `X-Netlify-Event`, the event name
 * (deploy_failed, deploy_created, ...), used by the cancel rules.
 */
export const netlifySource: Source = {
  name: "netlify",
  secretVariable: "NETLIFY_WEBHOOK_SECRET",
  eventHeader: "x-netlify-event",
  secrets: (config) => config.netlifySecrets,
  verify: (body, headers, secrets) =>
    verifySignature(secrets, body.bytes, headers.get("x-webhook-signature")),
  /** A hash of the body: the same notification sent twice gets the same id in the logs. */
  deliveryId: (_headers, body) =>
    body === null
      ? "netlify:unread"
      : `netlify:${createHash("sha256").update(body.bytes).digest("hex").slice(0, 16)}`,
  interpret: (body, headers): Interpretation => {
    const payload = parseJson(body.text);
    const result = deployPayloadSchema.safeParse(payload, { reportInput: true });
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new BadRequestError(
        issue === undefined
          ? "invalid deploy payload"
          : `invalid deploy payload: ${describeIssue(issue, "body")}`,
      );
    }
    const event = headers.get("x-netlify-event")?.trim().toLowerCase() ?? null;
    return normaliseDeploy(result.data, event !== null && EVENT_NAME.test(event) ? event : null);
  },
};
