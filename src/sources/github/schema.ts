import { type infer as Infer, nullable, number, object, optional, string } from "zod/mini";

/**
 * Only the fields of a `workflow_run` delivery that vigie reads; every other field passes through
 * untouched (looseObject), so GitHub adding or dropping an unrelated field never turns into a 400.
 * https://docs.github.com/webhooks/webhook-events-and-payloads#workflow_run
 *
 * Nullability follows what GitHub really sends (see @octokit/webhooks-examples): `conclusion` is null
 * until the run completes, `head_branch` is null for runs not on a branch, `head_commit` can be null,
 * and some deliveries carry neither `actor` nor `triggering_actor`. Fields that identify the run (ids,
 * sha, URLs, repository) are required: without them no key or link can be built.
 */
const login = object({ login: string() });

export const headCommitSchema = object({
  id: string(),
  message: string(),
  author: object({ name: string(), email: optional(nullable(string())) }),
  timestamp: optional(string()),
});

export const workflowRunSchema = object({
  id: number(),
  /** Empty in some deliveries; the top-level `workflow.name` is the fallback. */
  name: nullable(string()),
  workflow_id: number(),
  head_branch: nullable(string()),
  head_sha: string(),
  html_url: string(),
  /** Absent from deliveries made before re-runs existed. */
  run_attempt: optional(number()),
  run_number: optional(nullable(number())),
  event: string(),
  status: nullable(string()),
  conclusion: nullable(string()),
  updated_at: string(),
  run_started_at: optional(string()),
  created_at: string(),
  head_commit: optional(nullable(headCommitSchema)),
  triggering_actor: optional(nullable(login)),
  actor: optional(nullable(login)),
  repository: optional(object({ full_name: string() })),
});

export const workflowRunPayloadSchema = object({
  action: string(),
  workflow_run: workflowRunSchema,
  repository: object({ full_name: string(), html_url: string() }),
  workflow: optional(nullable(object({ name: string() }))),
});

export type WorkflowRunPayload = Infer<typeof workflowRunPayloadSchema>;
