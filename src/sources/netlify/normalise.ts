import type { NetlifyDeployEvent } from "../../event.ts";
import { cutText } from "../../text/one-line.ts";
import type { Interpretation } from "../source.ts";
import { classifyDeploy } from "./cancel-rules.ts";
import { failedStage } from "./failed-stage.ts";
import type { DeployPayload } from "./schema.ts";

/** Netlify's error messages are one line in practice; every stored payload string is bounded to 200. */
export const MAX_DETAIL_LENGTH = 200;

const nonEmpty = (value: string | null | undefined): string | null =>
  value === undefined || value === null || value.trim() === "" ? null : value;

/** First line of the deploy title (commit message or pull request title), trimmed; null when empty. */
const firstLine = (title: string | null | undefined): string | null =>
  nonEmpty(
    title
      ?.trim()
      .split(/\r?\n|\r/, 1)[0]
      ?.trim(),
  );

/** At most `max` characters (code points, so no surrogate pair is cut), "…" marking a cut. */
const bounded = (text: string, max: number): string => cutText(text, max);

export const deployLogsUrl = (deploy: Pick<DeployPayload, "name" | "id">): string =>
  `https://app.netlify.com/sites/${encodeURIComponent(deploy.name)}/deploys/${encodeURIComponent(deploy.id)}`;

/**
 * A validated deploy notification → the deploy to consider, or why it is ignored (src/sources/netlify/
 * cancel-rules.ts decides). `event` is the `X-Netlify-Event` header, null when absent.
 *
 * Builds a fresh object field by field: nothing from the payload is spread, so neither
 * `log_access_attributes` (it holds a token) nor an unexpected key can travel further.
 */
export const normaliseDeploy = (deploy: DeployPayload, event: string | null = null): Interpretation => {
  const decision = classifyDeploy(deploy, event);
  if (decision.kind === "ignored") {
    return { kind: "skip", status: "ignored", reason: `${decision.rule}: ${decision.reason}` };
  }
  const failure = decision.kind === "failure";
  const detail = nonEmpty(deploy.error_message);
  const logsUrl = deployLogsUrl(deploy);
  const run: NetlifyDeployEvent = {
    source: "netlify",
    site: deploy.name,
    siteUrl: nonEmpty(deploy.ssl_url) ?? nonEmpty(deploy.url) ?? nonEmpty(deploy.deploy_ssl_url),
    workflow: "Netlify build",
    branch: nonEmpty(deploy.branch),
    context: nonEmpty(deploy.context),
    commit: {
      sha: nonEmpty(deploy.commit_ref),
      message: firstLine(deploy.title),
      url: nonEmpty(deploy.commit_url),
      author: nonEmpty(deploy.committer),
    },
    outcome: failure ? "deploy_error" : "success",
    detail: failure && detail !== null ? bounded(detail.trim(), MAX_DETAIL_LENGTH) : null,
    logsUrl,
    actor: nonEmpty(deploy.committer),
    // Netlify has no attempts: a retried deploy is a new deploy with its own id.
    attempt: 1,
    occurredAt: nonEmpty(deploy.updated_at) ?? deploy.created_at,
    startedAt: deploy.created_at,
    failedAt: failure ? failedStage(detail, logsUrl, deploy.name) : null,
    siteId: deploy.site_id,
    deployId: deploy.id,
  };
  return { kind: "run", event: run };
};
