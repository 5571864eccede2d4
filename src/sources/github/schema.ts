import { type infer as Infer, nullable, number, object, optional, string } from "zod/mini";

/**
 * Only the fields of a `workflow_run` delivery that vigie reads; every other field is accepted and dropped
 * (`object`, zod's default), so GitHub adding or dropping an unrelated field never turns into a 400.
 * https://docs.github.com/webhooks/webhook-events-and-payloads#workflow_run
 *
 * Nullability follows what GitHub really sends (see @octokit/webhooks-examples): `conclusion` is null
 * until the run completes, `head_branch` is null for runs not on a branch, `head_commit` can be null,
 * and some deliveries carry neither `actor` nor `triggering_actor`. Fields that identify the run (ids,
 * sha, URLs, repository) are required: without them no key or link can be built.
 */
const buildSchema = () => {
  const login = object({ login: string() });

  const headCommitSchema = object({
    id: string(),
    message: string(),
    author: object({ name: string(), email: optional(nullable(string())) }),
    timestamp: optional(string()),
  });

  const workflowRunSchema = object({
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

  return object({
    action: string(),
    workflow_run: workflowRunSchema,
    repository: object({ full_name: string(), html_url: string() }),
    workflow: optional(nullable(object({ name: string() }))),
  });
};
let schema: ReturnType<typeof buildSchema> | undefined;

/**
 * Built at the first completed run, not at import: requested and in_progress deliveries (two of every three)
 * are answered from their `action` alone, and building the schema costs a cold start ≈ 0.6 ms (BENCHMARKS.md).
 */
export const workflowRunPayloadSchema = () => (schema ??= buildSchema());

export type WorkflowRunPayload = Infer<ReturnType<typeof workflowRunPayloadSchema>>;
