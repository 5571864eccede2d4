import type { GithubRunEvent } from "../../event.ts";
import { hashEmail } from "../../routing/mentions.ts";
import type { Interpretation } from "../source.ts";
import type { WorkflowRunPayload } from "./schema.ts";

/** First line of a commit message, trimmed; null when there is nothing to show. */
const firstLine = (message: string | undefined): string | null => {
  const line =
    message
      ?.trim()
      .split(/\r?\n|\r/, 1)[0]
      ?.trim() ?? "";
  return line === "" ? null : line;
};

/**
 * A validated `workflow_run` delivery → the run to consider, or why it is skipped. Only finished runs
 * are considered (`requested` and `in_progress` say nothing about the outcome). Whether the outcome is a
 * failure is not decided here: that is the policy's job (src/pipeline/policy.ts, NOTIFY_CONCLUSIONS).
 *
 * Builds a fresh object field by field: nothing from the payload is spread or assigned wholesale, so an
 * unexpected key (`__proto__`, `constructor`) never travels further.
 */
export const normaliseWorkflowRun = (payload: WorkflowRunPayload): Interpretation => {
  if (payload.action !== "completed") {
    return {
      kind: "skip",
      status: "ignored",
      reason: `workflow_run ${payload.action}: only completed runs are considered`,
    };
  }
  const run = payload.workflow_run;
  const repository = payload.repository;
  const event: GithubRunEvent = {
    source: "github",
    site: repository.full_name,
    siteUrl: repository.html_url,
    workflow: run.name || payload.workflow?.name || `workflow ${run.workflow_id}`,
    branch: run.head_branch,
    context: run.event,
    commit: {
      sha: run.head_sha,
      message: firstLine(run.head_commit?.message),
      url: `${repository.html_url}/commit/${run.head_sha}`,
      author: run.head_commit?.author.name ?? null,
      // Only a key of SLACK_MENTIONS, hashed: the address itself is never stored or logged.
      ...(run.head_commit?.author.email ? { authorEmailHash: hashEmail(run.head_commit.author.email) } : {}),
    },
    // A completed run always has a conclusion; should GitHub ever omit it, the policy ignores "unknown".
    outcome: run.conclusion ?? "unknown",
    detail: null,
    logsUrl: run.html_url,
    actor: run.triggering_actor?.login ?? run.actor?.login ?? null,
    attempt: run.run_attempt ?? 1,
    occurredAt: run.updated_at,
    startedAt: run.run_started_at ?? run.created_at,
    repository: repository.full_name,
    workflowId: run.workflow_id,
    runId: run.id,
    runNumber: run.run_number ?? null,
  };
  return { kind: "run", event };
};
