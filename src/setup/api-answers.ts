import {
  array,
  boolean,
  type infer as Infer,
  number,
  object,
  optional,
  string,
  union,
  type ZodMiniType,
} from "zod/mini";
import { VigieError } from "../errors.ts";

/**
 * The answers of the GitHub, Netlify and GitLab APIs that setup and doctor act on, as zod/mini schemas:
 * an answer that is not what the plan reads is an error naming the call, never a hook planned from a guess.
 * Only the fields vigie reads are kept.
 */
export const githubHookSchema = object({
  id: number(),
  name: string(),
  active: boolean(),
  events: array(string()),
  config: object({
    url: optional(string()),
    content_type: optional(string()),
    insecure_ssl: optional(union([string(), number()])),
  }),
});

/** https://docs.github.com/rest/orgs/webhooks#list-deliveries-for-an-organization-webhook */
export const githubDeliverySchema = object({
  guid: string(),
  delivered_at: string(),
  status_code: number(),
  event: string(),
});

export const netlifyHookTypeSchema = object({
  name: string(),
  events: optional(array(string())),
  fields: optional(array(object({ name: optional(string()) }))),
});

export const netlifySiteSchema = object({ id: string(), name: string() });

export const netlifyHookSchema = object({
  id: string(),
  type: string(),
  event: string(),
  data: object({ url: optional(string()), signature_secret: optional(string()) }),
  disabled: optional(boolean()),
});

export const gitlabProjectSchema = object({ id: number(), path_with_namespace: string() });

export const gitlabHookSchema = object({
  id: number(),
  url: string(),
  pipeline_events: optional(boolean()),
  push_events: optional(boolean()),
  enable_ssl_verification: optional(boolean()),
  alert_status: optional(string()),
});

/** What a create answers, where only the new id is read (a number on GitHub and GitLab, a string on Netlify). */
export const numericIdSchema = object({ id: number() });
export const textIdSchema = object({ id: string() });

export class UnexpectedAnswerError extends VigieError {
  readonly code = "api_unexpected_answer";
  constructor(what: string) {
    super(`${what} did not answer what its API documents`);
  }
}

/** `value` read by `schema`, or UnexpectedAnswerError naming `what` (the call). */
export const readAnswer = <S extends ZodMiniType>(schema: S, value: unknown, what: string): Infer<S> => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UnexpectedAnswerError(what);
  return parsed.data;
};
