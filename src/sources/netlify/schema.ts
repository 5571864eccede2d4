import { boolean, type infer as Infer, minLength, nullable, object, optional, string } from "zod/mini";

/**
 * One schema per kind of field, shared by the fields of that kind: a zod schema is immutable, and each one
 * is built at import, in every cold start (the cold-start figures in BENCHMARKS.md). Built per field, the 18
 * fields made ≈ 55 zod objects; shared, 10.
 */
const nonEmpty = string().check(minLength(1));
const maybeString = optional(nullable(string()));
const maybeBoolean = optional(nullable(boolean()));

/**
 * Only the fields of Netlify's deploy object that vigie reads. The body of a deploy notification is the
 * deploy object itself (https://docs.netlify.com/site-deploys/notifications/#http-post-request), field
 * names as in the API's `deploy` definition (https://open-api.netlify.com/#tag/deploy).
 *
 * Unknown fields are accepted and then dropped (`object`, zod's default "strip"), not passed through
 * (`looseObject`): the body carries `log_access_attributes.token` (a token that reads the build log) and
 * `skew_protection_token`, and what the parser never keeps can never reach a log, the store or Slack.
 *
 * Identity fields (ids, name, state, created_at) are required: without them no key or link can be built.
 * Everything else may be null or absent: manual (CLI) deploys carry no branch, commit or title, and older
 * payloads lack some fields (Zulip's fixtures of 2018 have no `committer`).
 */
export const deployPayloadSchema = object({
  id: nonEmpty,
  site_id: nonEmpty,
  /** The site's name: `https://app.netlify.com/sites/<name>`. */
  name: nonEmpty,
  /** `error` for failed and cancelled deploys, `ready` for published ones, in-between states otherwise. */
  state: nonEmpty,
  error_message: maybeString,
  branch: maybeString,
  /** `production`, `deploy-preview`, `branch-deploy`, ... */
  context: maybeString,
  commit_ref: maybeString,
  commit_url: maybeString,
  /** Commit message or pull request title. */
  title: maybeString,
  committer: maybeString,
  ssl_url: maybeString,
  url: maybeString,
  deploy_ssl_url: maybeString,
  created_at: nonEmpty,
  updated_at: maybeString,
  /** Read by the cancel rules (src/sources/netlify/cancel-rules.ts). */
  skipped: maybeBoolean,
  locked: maybeBoolean,
});

export type DeployPayload = Infer<typeof deployPayloadSchema>;
