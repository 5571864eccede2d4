/**
 * What a GitLab pipeline `status` means for vigie, in one place. The statuses are those of
 * https://docs.gitlab.com/api/pipelines/ (created, waiting_for_resource, preparing, pending, running,
 * success, failed, canceling, canceled, skipped, manual, scheduled); a pipeline event is sent on every
 * change of status (https://docs.gitlab.com/user/project/integrations/webhook_events/#pipeline-events).
 *
 * - `failed` is a failure and `success` closes an episode;
 * - `canceled` and `canceling` (auto-cancelled redundant pipelines, "interruptible" jobs superseded by a
 *   newer push, or stopped by hand) and `skipped` stay silent: normalised to the outcomes `cancelled` and
 *   `skipped` that the policy never notifies (src/pipeline/policy.ts);
 * - anything else is not a result yet (or waits for a person, like `manual`): answered at once, no state.
 */
export type PipelineStatus =
  | { readonly kind: "finished"; readonly outcome: "failure" | "success" | "cancelled" | "skipped" }
  | { readonly kind: "unfinished" };

const FINISHED: Readonly<Record<string, "failure" | "success" | "cancelled" | "skipped">> = {
  failed: "failure",
  success: "success",
  canceled: "cancelled",
  canceling: "cancelled",
  skipped: "skipped",
};

export const pipelineStatus = (status: string): PipelineStatus => {
  const outcome = Object.hasOwn(FINISHED, status) ? FINISHED[status] : undefined;
  return outcome === undefined ? { kind: "unfinished" } : { kind: "finished", outcome };
};
