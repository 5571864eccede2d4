import type { Config, Context } from "@netlify/functions";
import { handleWebhook } from "../../src/http/handle-webhook.ts";
import { webhookDeps } from "../../src/runtime.ts";
import { netlifySource } from "../../src/sources/netlify/netlify-source.ts";

/** Netlify outgoing webhooks "Deploy failed" and "Deploy succeeded", one per site. */
export default async (req: Request, context: Context): Promise<Response> =>
  handleWebhook(req, netlifySource, webhookDeps(context));

// No `method` here: the route itself answers 405 with `Allow: POST` (docs/architecture.md).
export const config: Config = { path: "/webhooks/netlify" };
