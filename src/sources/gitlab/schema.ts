import {
  array,
  boolean,
  type infer as Infer,
  literal,
  minLength,
  nullable,
  number,
  object,
  optional,
  refine,
  string,
} from "zod/mini";

/**
 * Only the fields of a GitLab "Pipeline Hook" delivery that vigie reads; unknown fields are accepted and
 * dropped (`object`, zod's default), so GitLab adding a field never turns into a 400, and nothing vigie
 * does not read (variables, runner details, e-mail addresses) travels further.
 * https://docs.gitlab.com/user/project/integrations/webhook_events/#pipeline-events
 *
 * Identity fields (project id, path and URL, pipeline id, ref, sha, status, created_at) are required: without them
 * no key or link can be built. The rest may be null or absent: `name` exists since GitLab 16.1 and is null
 * without `workflow:name`, `url` since 16.2 (https://gitlab.com/gitlab-org/gitlab/-/merge_requests/123241),
 * `finished_at` is null until the pipeline finishes, `builds` can be empty (a pipeline that failed on its
 * configuration has no job), and pipelines started by a schedule or a trigger may carry no `user`.
 */
const maybe = <T extends Parameters<typeof nullable>[0]>(schema: T) => optional(nullable(schema));
const nonEmpty = () => string().check(minLength(1));
/** GitLab writes times as "2016-08-12 15:23:28 UTC" (older payloads) or ISO 8601; both must parse. */
const time = () =>
  string().check(refine((value) => !Number.isNaN(Date.parse(value)), { message: "not a date and time" }));

const buildSchemas = () => {
  const build = object({
    id: number(),
    stage: maybe(string()),
    name: string(),
    status: string(),
    failure_reason: maybe(string()),
    allow_failure: maybe(boolean()),
  });

  const payload = object({
    object_kind: literal("pipeline"),
    object_attributes: object({
      id: number(),
      iid: maybe(number()),
      name: maybe(string()),
      ref: nonEmpty(),
      tag: maybe(boolean()),
      sha: nonEmpty(),
      /** push, web, schedule, merge_request_event, api, trigger, pipeline, parent_pipeline... */
      source: maybe(string()),
      status: nonEmpty(),
      stages: maybe(array(string())),
      created_at: time(),
      finished_at: maybe(time()),
      url: maybe(string()),
    }),
    user: maybe(object({ username: maybe(string()), name: maybe(string()) })),
    project: object({
      id: number(),
      path_with_namespace: nonEmpty(),
      web_url: nonEmpty(),
    }),
    commit: maybe(
      object({
        id: maybe(string()),
        /** First line of the message; absent from older payloads, which only carry `message`. */
        title: maybe(string()),
        message: maybe(string()),
        url: maybe(string()),
        author: maybe(object({ name: maybe(string()), email: maybe(string()) })),
      }),
    ),
    builds: maybe(array(build)),
  });
  return { build, payload };
};
let schemas: ReturnType<typeof buildSchemas> | undefined;

/**
 * Built at the first finished pipeline, not at import: most deliveries (created, pending, running) are
 * answered from their status alone, and building these schemas costs a cold start ≈ 1.4 ms (BENCHMARKS.md).
 */
export const pipelinePayloadSchema = () => {
  schemas ??= buildSchemas();
  return schemas.payload;
};

export type PipelinePayload = Infer<ReturnType<typeof pipelinePayloadSchema>>;
export type BuildPayload = Infer<ReturnType<typeof buildSchemas>["build"]>;
