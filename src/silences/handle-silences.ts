import { array, boolean, object, optional, string } from "zod/mini";
import { jsonResponse, methodNotAllowed } from "../http/errors.ts";
import { readBody } from "../http/read-body.ts";
import type { Store } from "../store/store.ts";
import { isActive } from "./match-silence.ts";
import type { Silence } from "./silence-record.ts";
import { silenceSpec } from "./silence-spec.ts";
import { addSilence, listSilences, removeSilence } from "./silence-store.ts";

/**
 * `/status/silences`, behind the status route's token (src/status/handle-status.ts checks it first): how
 * `npm run silence -- … --url` manages a deployed vigie's silences.
 * - GET: every stored silence, `active` or not;
 * - POST `{"conditions": ["site:acme/*", …], "for": "4h" | "untilGreen": true, "reason": "…"}`: 201 and
 *   the silence, or 400 naming what is wrong;
 * - DELETE `?id=ID`: 200, or 404 when there is no such silence.
 */
export interface SilencesDeps {
  readonly store: Store;
  readonly now: number;
}

const MAX_BODY = 16_384;

const requestSchema = object({
  conditions: array(string()),
  for: optional(string()),
  untilGreen: optional(boolean()),
  reason: optional(string()),
});

export const silenceJson = (silence: Silence, now: number) => ({
  ...silence,
  active: isActive(silence, now),
});

const bad = (reason: string) => jsonResponse(400, { status: "error", code: "bad_request", reason });

export const handleSilences = async (req: Request, deps: SilencesDeps): Promise<Response> => {
  const headers = { "cache-control": "no-store" };
  switch (req.method) {
    case "GET": {
      const silences = await listSilences(deps.store);
      return jsonResponse(200, { silences: silences.map((s) => silenceJson(s, deps.now)) }, headers);
    }
    case "POST": {
      const body = await readBody(req, MAX_BODY);
      let json: unknown;
      try {
        json = JSON.parse(body.text);
      } catch {
        return bad("the body is not JSON");
      }
      const parsed = requestSchema.safeParse(json);
      if (!parsed.success)
        return bad('expected {"conditions": ["site:GLOB", …], "for": "4h" or "untilGreen": true}');
      const spec = silenceSpec(parsed.data, deps.now);
      if (typeof spec === "string") return bad(spec);
      const silence = await addSilence(deps.store, spec, "status route", deps.now);
      return jsonResponse(201, { silence: silenceJson(silence, deps.now) }, headers);
    }
    case "DELETE": {
      const id = new URL(req.url).searchParams.get("id") ?? "";
      return (await removeSilence(deps.store, id, deps.now))
        ? jsonResponse(200, { removed: id }, headers)
        : jsonResponse(404, { status: "error", code: "not_found", reason: `no silence ${id.slice(0, 40)}` });
    }
    default:
      return methodNotAllowed("GET, POST, DELETE");
  }
};
