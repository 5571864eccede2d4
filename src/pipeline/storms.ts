import type { Config } from "../config.ts";
import type { RunEvent } from "../event.ts";
import { timeOfKey } from "./keys.ts";

/**
 * Storms: a theme update pushed to every site breaks dozens at once. Beyond STORM_THRESHOLD new episodes
 * within STORM_WINDOW_SECONDS, new episodes are not announced one by one but collected into one digest
 * that the sweep sends once STORM_GROUP_WAIT_SECONDS have passed (Alertmanager's group_wait).
 *
 * Storms are counted per destination: a theme update that floods the designers' channel must not turn
 * the operations channel's next failure into a digest. Each episode about to open writes, for each
 * destination it goes to, a marker `storm/<destination>/<arrival time>-<hash of its stream>`, then lists
 * that destination's markers: no hot key for dozens of concurrent deliveries to fight over. It goes out alone only if fewer
 * than STORM_THRESHOLD *other streams* have a marker in the window. The bound holds whatever the
 * interleaving (docs/architecture.md, "Storms"): of any T+1 episodes whose arrivals fall within one window,
 * the one whose marker was written last lists after every other marker was written, sees T other streams
 * and goes to the digest; so at most T are announced alone. Concurrent openers of one stream (only one of
 * which opens the episode) share a stream hash and count once. Errors only ever go towards the digest.
 */
export const stormRouting = (
  markerKeys: readonly string[],
  mine: string,
  arrivedAt: number,
  config: Pick<Config, "stormThreshold" | "stormWindowSeconds">,
): "message" | "digest" => {
  const since = arrivedAt - config.stormWindowSeconds * 1000;
  const streamOf = (key: string) => key.slice(key.lastIndexOf("-") + 1);
  const others = new Set(
    markerKeys.filter((key) => timeOfKey(key) > since && streamOf(key) !== streamOf(mine)).map(streamOf),
  );
  return others.size >= config.stormThreshold ? "digest" : "message";
};

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
