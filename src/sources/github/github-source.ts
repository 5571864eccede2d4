import { BadRequestError } from "../../errors.ts";
import { fieldOf } from "../../field-of.ts";
import { describeIssue } from "../describe-issue.ts";
import { parseJsonObject } from "../parse-json.ts";
import type { Interpretation, RawBody, Source } from "../source.ts";
import { normaliseWorkflowRun } from "./normalise.ts";
import { workflowRunPayloadSchema } from "./schema.ts";
import { verifySignature } from "./verify-signature.ts";

/** GitHub's delivery ids are GUIDs; anything else is shown as "unknown" rather than echoed into logs. */
const DELIVERY_ID = /^[\w-]{1,100}$/;

/** Read, verify, then parse (src/sources/parse-json.ts): the text was verified as sent, only now is it parsed. */
const parsePayload = (body: RawBody, headers: Headers): unknown => {
  const mediaType = (headers.get("content-type") ?? "").split(";", 1)[0]?.trim().toLowerCase();
  let json = body.text;
  if (mediaType === "application/x-www-form-urlencoded") {
    // The webhook's "Content type" setting can be form-encoded: the JSON is then the `payload` field.
    const field = new URLSearchParams(body.text).get("payload");
    if (field === null) throw new BadRequestError("form-encoded body has no payload field");
    json = field;
  }
  return parseJsonObject(json);
};

export const githubSource: Source = {
  name: "github",
  secretVariable: "GITHUB_WEBHOOK_SECRET",
  eventHeader: "x-github-event",
  secrets: (config) => config.githubSecrets,
  // The HMAC is computed over the text (@octokit/webhooks-methods takes a string); text that is not
  // exactly the bytes sent (invalid UTF-8) can therefore not be verified.
  verify: async (body, headers, secrets) =>
    body.utf8 && verifySignature(secrets, body.text, headers.get("x-hub-signature-256")),
  deliveryId: (headers) => {
    const id = headers.get("x-github-delivery");
    return id !== null && DELIVERY_ID.test(id) ? id : "unknown";
  },
  interpret: (body, headers): Interpretation => {
    const payload = parsePayload(body, headers);
    const event = headers.get("x-github-event");
    if (event === null || event === "") throw new BadRequestError("missing X-GitHub-Event header");
    if (event === "ping") return { kind: "skip", status: "pong", reason: "pong" };
    if (event !== "workflow_run") {
      return {
        kind: "skip",
        status: "ignored",
        reason: `event ${JSON.stringify(event.slice(0, 100))} is not watched: subscribe the webhook only to "Workflow runs"`,
      };
    }
    // Narrow first: a run that is not completed (requested, in_progress: two of every three deliveries of
    // an org webhook) is answered from its `action` alone; only completed runs are validated in full.
    const action = fieldOf(payload, "action");
    if (typeof action === "string" && action !== "completed") {
      return {
        kind: "skip",
        status: "ignored",
        reason: `workflow_run ${action.slice(0, 40)}: only completed runs are considered`,
      };
    }
    const result = workflowRunPayloadSchema().safeParse(payload, { reportInput: true });
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new BadRequestError(
        issue === undefined ? "invalid workflow_run payload" : describeIssue(issue, "payload"),
      );
    }
    return normaliseWorkflowRun(result.data);
  },
};
