import type { RunEvent } from "../event.ts";

/**
 * Storm digests (docs/architecture.md, "Storms"): beyond STORM_THRESHOLD new episodes within
 * STORM_WINDOW_SECONDS in one destination (its ledger decides: src/pipeline/ledger.ts), new episodes are not
 * announced one by one but collected into one digest that the sweep sends once STORM_GROUP_WAIT_SECONDS
 * have passed since the storm's first failure arrived (Alertmanager's group_wait).
 */

/** An episode opening or closing, waiting in the digest. */
export interface DigestItem {
  readonly v: 1;
  /** The destination whose digest it waits in (storms are counted per destination). */
  readonly destination: string;
  readonly kind: "failure" | "recovery";
  readonly event: RunEvent;
  readonly stream: string;
  readonly episodeId: string;
  /** The episode as it stood, so that a digest of one can be an ordinary message. */
  readonly episode: { readonly openedAt: string; readonly failedRuns: number; readonly firstLogsUrl: string };
  readonly at: number;
}

/** A digest is ready once its oldest item has waited STORM_GROUP_WAIT_SECONDS. */
export const digestReady = (items: readonly DigestItem[], now: number, groupWaitSeconds: number): boolean =>
  items.length > 0 && Math.min(...items.map((item) => item.at)) + groupWaitSeconds * 1000 <= now;
