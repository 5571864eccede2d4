import type { Config } from "@netlify/functions";
import { handleStatus } from "../../src/status/handle-status.ts";
import { statusDeps } from "../../src/status/status-deps.ts";

/** What is broken right now: JSON for `Accept: application/json`, else a page. Off without VIGIE_STATUS_TOKEN. */
export default async (req: Request): Promise<Response> => handleStatus(req, statusDeps());

// `/status/silences`: the silences of `npm run silence -- … --url` (src/silences/handle-silences.ts).
export const config: Config = { path: ["/status", "/status/silences"] };
