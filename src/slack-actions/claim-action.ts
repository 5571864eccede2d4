import { keyPart } from "../pipeline/keys.ts";
import type { Store } from "../store/store.ts";

/**
 * Each interaction is acted on once: `actions/<action_ts>` written with `onlyIfNew` before anything is done.
 * A replay (the same signed request again within Slack's 5 minutes, or a retry) finds the record and stops.
 * Kept a day (the sweep's prune), far beyond the 5 minutes a signature is accepted.
 */
export const ACTIONS_PREFIX = "actions/";

export const claimAction = async (
  store: Store,
  claim: { readonly actionTs: string; readonly user: string; readonly action: string; readonly at: number },
): Promise<boolean> => {
  const written = await store.set(
    `${ACTIONS_PREFIX}${keyPart(claim.actionTs)}`,
    { v: 1, ...claim },
    { onlyIfNew: true },
  );
  return written.modified;
};
