import type { Config } from "@netlify/functions";
import { handleStatus } from "../../src/status/handle-status.ts";
import { statusDeps } from "../../src/status/status-deps.ts";

/**
 * What is broken right now: JSON for `Accept: application/json`, else a page; and the resend of dead
 * messages (`POST /status/outbox/resend`) and what explain reads (`GET /status/explain`). Off without VIGIE_STATUS_TOKEN.
 */
export default async (req: Request): Promise<Response> => handleStatus(req, statusDeps());

// `/status/outbox/resend` and `/status/explain`: `npm run outbox -- resend --url`, `npm run explain -- --url`;
// `/status/silences`: `npm run silence -- … --url` (src/silences/handle-silences.ts).
export const config: Config = {
  path: ["/status", "/status/outbox/resend", "/status/explain", "/status/silences"],
};
