import type { Config } from "../config.ts";
import type { RunEvent } from "../event.ts";
import { timeOfKey } from "./keys.ts";

/**
 * Storms: a theme update pushed to every site breaks dozens at once. Beyond STORM_THRESHOLD new episodes
 * within STORM_WINDOW_SECONDS, new episodes are not announced one by one but collected into one digest
 * that the sweep sends once STORM_GROUP_WAIT_SECONDS have passed (Alertmanager's group_wait).
 *
 * Each new episode writes its own marker key (`storm/<time>-<hash>`), then lists the window: no single
 * hot key for dozens of concurrent deliveries to fight over. An episode goes out alone only if fewer
 * than STORM_THRESHOLD other markers are in the window when it looks. Whatever the interleaving, the
 * (threshold+1)-th marker written sees at least threshold others, so at most STORM_THRESHOLD episodes
 * per window are announced one by one; concurrent ones may both see each other and both go to the
 * digest, which only ever errs towards fewer messages.
 */
export const stormRouting = (
  markerKeys: readonly string[],
  mine: string,
  now: number,
  config: Pick<Config, "stormThreshold" | "stormWindowSeconds">,
): "message" | "digest" => {
  const since = now - config.stormWindowSeconds * 1000;
  const others = markerKeys.filter((key) => key !== mine && timeOfKey(key) > since).length;
  return others >= config.stormThreshold ? "digest" : "message";
};

/** An episode opening or closing, waiting in the digest. */
export interface DigestItem {
  readonly v: 1;
  readonly kind: "failure" | "recovery";
  readonly event: RunEvent;
  readonly stream: string;
  readonly episodeId: string;
  /** The episode as it stood, so that a digest of one can be an ordinary message. */
  readonly episode: { readonly openedAt: string; readonly failedRuns: number; readonly firstLogsUrl: string };
  readonly at: number;
}

export const isDigestItem = (value: unknown): value is DigestItem =>
  typeof value === "object" &&
  value !== null &&
  (value as DigestItem).v === 1 &&
  ((value as DigestItem).kind === "failure" || (value as DigestItem).kind === "recovery") &&
  typeof (value as DigestItem).at === "number" &&
  typeof (value as DigestItem).episode?.openedAt === "string";

/** A digest is ready once its oldest item has waited STORM_GROUP_WAIT_SECONDS. */
export const digestReady = (items: readonly DigestItem[], now: number, groupWaitSeconds: number): boolean =>
  items.length > 0 && Math.min(...items.map((item) => item.at)) + groupWaitSeconds * 1000 <= now;
