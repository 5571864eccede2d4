import type { Store } from "../store/store.ts";
import { ACTIONS_PREFIX } from "./claim-action.ts";

/** An interaction's claim outlives Slack's 5-minute signature window by far. */
export const ACTION_CLAIM_RETENTION_MS = 86_400_000;

/**
 * Deletes the `actions/<action_ts>` claims older than a day, from their keys alone (an `action_ts` is
 * Slack's epoch seconds): for the sweep's prune. Returns how many were deleted.
 */
export const pruneActionClaims = async (store: Store, now: number): Promise<number> => {
  const keys = await store.list(ACTIONS_PREFIX);
  const old = keys.filter((key) => {
    const seconds = Number.parseFloat(decodeURIComponent(key.slice(ACTIONS_PREFIX.length)));
    return Number.isFinite(seconds) && now - seconds * 1000 > ACTION_CLAIM_RETENTION_MS;
  });
  await Promise.all(old.map((key) => store.delete(key)));
  return old.length;
};
