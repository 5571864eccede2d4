import type { Config, Context } from "@netlify/functions";
import { handleWebhook } from "../../src/http/handle-webhook.ts";
import { webhookDeps } from "../../src/runtime.ts";
import { gitlabSource } from "../../src/sources/gitlab/gitlab-source.ts";

/** GitLab "Pipeline events", from a group webhook or one webhook per project. */
export default async (req: Request, context: Context): Promise<Response> =>
  handleWebhook(req, gitlabSource, webhookDeps(context));

// No `method` here: the route itself answers 405 with `Allow: POST`, where the platform would answer 404.
export const config: Config = { path: "/webhooks/gitlab" };
