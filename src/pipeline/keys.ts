import { createHash } from "node:crypto";

/**
 * Every key vigie writes to Netlify Blobs, in one place (lifetimes and what reads each: docs/architecture.md,
 * "Store keys and lifetimes"):
 * - `streams/<stream key>`: one stream's record: its episode (with where it was announced), its newest run,
 *   the keys it applied (duplicates), its last closing and its recent transitions. It is also the inbox: an
 *   event is accepted once its effect is written there.
 * - `ledger/<destination>`: one destination's ledger: the episodes announced there alone within the storm
 *   window (at most STORM_THRESHOLD), the commits they announced (folding), and its rate slot.
 * - `digest/<destination>/<arrival time>-<hash>`: an episode waiting for its destination's storm digest;
 *   deleted when the digest is queued, leaving `digested/<destination>/<same suffix>`; 1 day.
 * - `outbox/<time>-<id>`: a message to send; sent ones kept 1 day, dead ones 7 days.
 * - `threads/<opening message id>`: channel and `ts` of a Slack app failure message; 90 days.
 * - `quiet/<episode id>`: its recovery ended an "until green" silence (a repair decides the same); 1 day.
 * - `open/<stream key>`: index of open episodes, kept by the sweep's scan for the board.
 * - `status/scan`: what the sweep's scan saw of every stream (etags, open episodes, transitions consumed).
 * - `locks/sweep`, `locks/digests`, `locks/prune`; `status/sweep`, `status/history`; `history/<YYYY-MM-DD>`.
 * Records of earlier versions (`inflight/`, `events/`, `commits/`, `storm/`, `rate/slack/`) are no longer
 * written; the prune step removes what is left of them.
 */
export const hash = (text: string, length = 16): string =>
  createHash("sha256").update(text).digest("hex").slice(0, length);

/** Keeps keys readable but bounded (Netlify Blobs keys must stay under 600 bytes). */
export const keyPart = (text: string): string => {
  const encoded = encodeURIComponent(text);
  return encoded.length <= 200 ? encoded : `${encoded.slice(0, 150)}~${hash(text, 24)}`;
};

/** Zero-padded milliseconds, so that keys sort by time. */
export const timePart = (ms: number): string => String(Math.max(0, Math.floor(ms))).padStart(15, "0");
export const timeOfKey = (key: string): number => Number(key.slice(key.lastIndexOf("/") + 1).slice(0, 15));

export const keys = {
  stream: (streamKey: string) => `streams/${keyPart(streamKey)}`,
  open: (streamKey: string) => `open/${keyPart(streamKey)}`,
  ledger: (destination: string) => `ledger/${keyPart(destination)}`,
  digest: (destination: string, at: number, id: string) =>
    `digest/${keyPart(destination)}/${timePart(at)}-${hash(id)}`,
  /** What a digest item leaves once its digest is queued (the same suffix). */
  digested: (digestKey: string) => `digested/${digestKey.slice("digest/".length)}`,
  outbox: (at: number, id: string) => `outbox/${timePart(at)}-${hash(id)}`,
  thread: (openingId: string) => `threads/${keyPart(openingId)}`,
  /** An episode whose recovery ended its "until green" silence: only its message is updated (1 day). */
  quiet: (episodeId: string) => `quiet/${keyPart(episodeId)}`,
  sweepLock: "locks/sweep",
  digestLock: "locks/digests",
  scan: "status/scan",
  pruneMark: "locks/prune",
  sweepStatus: "status/sweep",
  historyTracker: "status/history",
  history: (day: string) => `history/${day}`,
} as const;

export const PREFIX = {
  events: "events/",
  inflight: "inflight/",
  streams: "streams/",
  open: "open/",
  commits: "commits/",
  storm: "storm/",
  digest: "digest/",
  digested: "digested/",
  threads: "threads/",
  quiet: "quiet/",
  ledger: "ledger/",
  rate: "rate/",
  outbox: "outbox/",
  history: "history/",
} as const;
