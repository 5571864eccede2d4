import type { Config, Context } from "@netlify/functions";
import { handleWebhook } from "../../src/http/handle-webhook.ts";
import { webhookDeps } from "../../src/runtime.ts";
import { githubSource } from "../../src/sources/github/github-source.ts";

/** GitHub organisation webhook, "Workflow runs" event. */
export default async (req: Request, context: Context): Promise<Response> =>
  handleWebhook(req, githubSource, webhookDeps(context));

// No `method` here: the route itself answers 405 with `Allow: POST` (docs/architecture.md), where the platform's
// method filter would answer 404.
export const config: Config = { path: "/webhooks/github" };
