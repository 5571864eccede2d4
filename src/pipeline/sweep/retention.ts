/** What one sweep did, for its log line and `status/sweep` (the board). */
export interface SweepReport {
  skipped?: string;
  /** Openings and recoveries that the scan announced again (their invocation did not finish them). */
  recovered: number;
  digests: number;
  reminders: number;
  sent: number;
  retrying: number;
  dead: number;
  deferred: number;
  pruned: number;
  redelivered: number;
  /** What the history step recorded (episodes opened and closed since the last sweep). */
  history?: { opened: number; closed: number; days: number };
}

const DAY = 86_400_000;
/** How long each kind of record is kept (docs/architecture.md, "Store keys and lifetimes"). */
export const RETENTION = {
  closedStreams: 90 * DAY,
  sentMessages: DAY,
  deadMessages: 7 * DAY,
  /** Where the Slack app posted a failure: as long as an episode may stay open and still be answered. */
  threads: 90 * DAY,
  /** A queued digest's trace, against a replay long after (keys.ts). */
  digested: DAY,
  /** "I'm on it" of an episode that never recovered (its recovery deletes it): as long as its thread. */
  acks: 90 * DAY,
  /** An ended silence the silences step did not remove (it removes them as they end). */
  endedSilences: 3_600_000,
  /** Records of earlier versions, no longer written. */
  legacy: 30 * DAY,
} as const;

/** Pruning runs at most this often. */
export const PRUNE_EVERY_MS = 3_600_000;
