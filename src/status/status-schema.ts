import { array, boolean, type infer as Infer, nullable, number, object, optional, string } from "zod/mini";
import type { StatusReport } from "./read-status.ts";

/**
 * What a reader of `GET /status` (JSON) may rely on: the parts `npm run doctor --url` checks. One schema
 * for both ends: the route's StatusReport must satisfy it (checked at compile time below), and doctor
 * parses the answer with it instead of trusting it. `dryRun` is optional: a vigie deployed before it
 * existed does not say.
 */
export const statusSummarySchema = object({
  config: object({ valid: boolean(), problems: array(string()) }),
  dryRun: optional(boolean()),
  outbox: object({ waiting: number(), dead: number() }),
  episodes: object({ open: number() }),
  sweep: object({ lastRunAt: nullable(string()) }),
});
export type StatusSummary = Infer<typeof statusSummarySchema>;

type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
/** Compile-time: the route answers what the schema reads. */
export const asSummary = (report: StatusReport): DeepReadonly<StatusSummary> => report;
