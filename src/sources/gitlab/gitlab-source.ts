import { BadRequestError } from "../../errors.ts";
import { fieldOf } from "../../field-of.ts";
import { lazyImport } from "../../lazy-import.ts";
import { describeIssue } from "../describe-issue.ts";
import { parseJsonObject } from "../parse-json.ts";
import type { Interpretation, Source } from "../source.ts";
import { normalisePipeline } from "./normalise.ts";
import { pipelineStatus } from "./pipeline-status.ts";
import { pipelinePayloadSchema } from "./schema.ts";
import { verifyToken } from "./verify-token.ts";

/** standardwebhooks loads only where GITLAB_SIGNING_TOKEN is set, not at every cold start. */
const loadSignatureCheck = lazyImport(() => import("./verify-signature.ts"));

/** The only event vigie reads: https://docs.gitlab.com/user/project/integrations/webhook_events/#pipeline-events */
export const PIPELINE_HOOK = "Pipeline Hook";

/**
 * GitLab's delivery ids (https://docs.gitlab.com/user/project/integrations/webhooks/#delivery-headers):
 * `Idempotency-Key` (GitLab ≥ 17.4) is a UUID "consistent across webhook retries"; older instances only
 * send `X-Gitlab-Event-UUID`. Only for logs: deduplication relies on the pipeline's own key (src/event.ts),
 * which a retried delivery shares. Anything else is shown as "unknown", never echoed.
 */
const DELIVERY_ID = /^[\w-]{1,100}$/;
const DELIVERY_HEADERS = ["idempotency-key", "x-gitlab-event-uuid"] as const;

/**
 * GitLab "Pipeline events" of a group webhook or of each project's webhook. Verified by the hook's secret
 * token (X-Gitlab-Token) and, when GITLAB_SIGNING_TOKEN is set, by the Standard Webhooks signature too: a
 * signing token adds a check, it never replaces the secret token.
 */
export const gitlabSource: Source = {
  name: "gitlab",
  secretVariable: "GITLAB_WEBHOOK_TOKEN",
  eventHeader: "x-gitlab-event",
  verifyHint:
    "check that GITLAB_WEBHOOK_TOKEN (or _PREVIOUS) is the webhook's Secret token and, when GITLAB_SIGNING_TOKEN " +
    "is set, that it is the webhook's signing token and that vigie's clock is within 5 minutes of GitLab's",
  secrets: (config) => config.gitlabTokens,
  verify: async (body, headers, tokens, config) => {
    // Both checks always run when both are configured, so the answer's timing does not say which failed.
    const token = verifyToken(tokens, headers.get("x-gitlab-token"));
    if (config.gitlabSigningTokens.length === 0) return token;
    // The signature is computed over the text; text that is not exactly the bytes sent cannot be checked.
    const { verifySignature } = await loadSignatureCheck();
    const signed = body.utf8 && verifySignature(config.gitlabSigningTokens, body.text, headers);
    return token && signed;
  },
  deliveryId: (headers) => {
    for (const name of DELIVERY_HEADERS) {
      const id = headers.get(name);
      if (id !== null && DELIVERY_ID.test(id)) return id;
    }
    return "unknown";
  },
  interpret: (body, headers): Interpretation => {
    const event = headers.get("x-gitlab-event");
    if (event === null || event.trim() === "") throw new BadRequestError("missing X-Gitlab-Event header");
    if (event !== PIPELINE_HOOK) {
      // 200, not 4xx: GitLab disables a hook whose deliveries keep failing
      // (https://docs.gitlab.com/user/project/integrations/webhooks/#auto-disabled-webhooks), and this one
      // is merely subscribed to more than vigie reads.
      return {
        kind: "skip",
        status: "ignored",
        reason: `event ${JSON.stringify(event.slice(0, 60))} is not watched: tick only "Pipeline events" on the GitLab webhook`,
      };
    }
    // Parsed only now, after the token (and signature) were checked over these exact bytes.
    const payload = parseJsonObject(body.text);
    // Narrow first: a pipeline that is not finished (created, pending, running: most of a hook's
    // deliveries) is answered from its status alone; only finished ones are validated in full.
    const status = fieldOf(fieldOf(payload, "object_attributes"), "status");
    if (typeof status === "string" && pipelineStatus(status).kind === "unfinished") {
      return {
        kind: "skip",
        status: "ignored",
        reason: `pipeline ${status.slice(0, 40)}: only finished pipelines are considered`,
      };
    }
    const result = pipelinePayloadSchema().safeParse(payload, { reportInput: true });
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new BadRequestError(
        issue === undefined
          ? "invalid pipeline payload"
          : `invalid pipeline payload: ${describeIssue(issue, "payload")}`,
      );
    }
    return normalisePipeline(result.data);
  },
};
