import { array, boolean, type infer as Infer, nullable, number, object, regex, string } from "zod/mini";
import { keyPart } from "../pipeline/keys.ts";

/**
 * What redelivery keeps in the store between sweeps:
 * - `redelivery/last-check`: when the newest deliveries were last examined, the cursor of older pages not
 *   examined yet, failed deliveries waiting for their turn, the pause after an error.
 * - `redelivery/guid/<guid>`: attempts made for one GUID and the delivery last redelivered; pruned once
 *   GitHub no longer keeps the deliveries.
 * Both are parsed with their schema when read back: an unreadable record starts afresh.
 */
export const REDELIVERY_KEYS = {
  lastCheck: "redelivery/last-check",
  guidPrefix: "redelivery/guid/",
  guid: (guid: string) => `redelivery/guid/${keyPart(guid)}`,
} as const;

const deliveryId = string().check(regex(/^[1-9]\d*$/));

/** The most recent failed `workflow_run` delivery of a GUID that has no successful delivery. */
export const candidateSchema = object({
  id: deliveryId,
  guid: string(),
  deliveredAt: number(),
  status: string(),
  statusCode: nullable(number()),
  action: nullable(string()),
});
export type Candidate = Infer<typeof candidateSchema>;

export const stateSchema = object({
  v: number(),
  /** Which hook the state is about: another API, org or hook id starts afresh. */
  hook: string(),
  /** When (our clock) the newest deliveries were last examined down to the previous check; null: never. */
  at: nullable(number()),
  /** Older pages not examined yet: continue from `cursor` down to `since`. */
  resume: nullable(object({ cursor: string(), since: number() })),
  /** Failed deliveries decided but not redelivered yet (per-sweep limit, deadline, error). */
  pending: array(candidateSchema),
  prunedAt: number(),
  /** No request before `until`, unless GITHUB_TOKEN changed (`token` is a short hash of it). */
  pause: nullable(object({ until: number(), token: string(), reason: string() })),
});
export type State = Infer<typeof stateSchema>;

export const guidRecordSchema = object({
  v: number(),
  guid: string(),
  attempts: number(),
  /** When (our clock) the last redelivery was asked for. */
  lastAt: number(),
  /** The failed delivery last redelivered, and when GitHub made it (GitHub's clock). */
  deliveryId,
  deliveredAt: number(),
  /** The give-up warning was logged. */
  gaveUp: boolean(),
});
export type GuidRecord = Infer<typeof guidRecordSchema>;

export const freshState = (hook: string): State => ({
  v: 1,
  hook,
  at: null,
  resume: null,
  pending: [],
  prunedAt: 0,
  pause: null,
});
