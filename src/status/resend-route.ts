import { boolean, nullable, object, optional, string } from "zod/mini";
import { jsonResponse } from "../http/errors.ts";
import type { Store } from "../store/store.ts";
import { parseAge, resendOutbox } from "./resend.ts";

/**
 * `POST /status/outbox/resend` (authorised by handle-status.ts like `GET /status`): a JSON body
 * `{"deadOnly": true, "destination": "THEMES", "since": "1h"}`, every field optional, as
 * `npm run outbox -- resend --url BASE` sends it. Answers what it put back to waiting.
 */
const bodySchema = object({
  deadOnly: optional(boolean()),
  destination: optional(nullable(string())),
  since: optional(nullable(string())),
});

const MAX_BODY = 4_096;

export const handleResend = async (
  req: Request,
  store: Store,
  now: number,
): Promise<{ response: Response; decision: string; fields: Record<string, unknown> }> => {
  const refuse = (reason: string) => ({
    response: jsonResponse(400, { status: "error", code: "bad_request", reason }),
    decision: "resend_refused",
    fields: { reason },
  });
  const text = await req.text();
  if (text.length > MAX_BODY) return refuse(`the body is over ${MAX_BODY} bytes`);
  let value: unknown = {};
  try {
    value = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    return refuse("the body is not JSON");
  }
  const parsed = bodySchema.safeParse(value);
  if (!parsed.success)
    return refuse('expected {"deadOnly"?: boolean, "destination"?: string, "since"?: "1h"}');
  const since = parsed.data.since ?? null;
  const sinceMs = since === null ? null : parseAge(since);
  if (since !== null && sinceMs === null)
    return refuse(`since must read like 90s, 30m, 1h or 7d, got ${since.slice(0, 20)}`);
  const report = await resendOutbox(
    store,
    { deadOnly: parsed.data.deadOnly ?? false, destination: parsed.data.destination ?? null, sinceMs },
    now,
  );
  return {
    response: jsonResponse(200, { status: "ok", ...report }),
    decision: "resend",
    fields: { resent: report.resent.length, changed: report.changed },
  };
};
