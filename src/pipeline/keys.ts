import { createHash } from "node:crypto";

/**
 * Every key vigie writes to Netlify Blobs, in one place. Lifetimes (pruned by the sweep):
 * - `events/<idempotency key>`: dedup claim of one run/deploy; 30 days.
 * - `inflight/<idempotency key>`: an event being processed; deleted when done, retried by the sweep after its lease.
 * - `streams/<stream key>`: episode state of one stream; closed streams 90 days after closing.
 * - `open/<stream key>`: index of open episodes, for reminders; deleted on recovery.
 * - `commits/<commit key>`: which source notified a commit first (folding); 7 days.
 * - `storm/<destination>/<arrival time>-<stream hash>`: one marker per episode about to open and per
 *   destination it goes to, to count that destination's storm window; twice the window length.
 * - `digest/<destination>/<time>-<hash>`: an episode waiting for its destination's storm digest; deleted
 *   when the digest is queued, which leaves `digested/<destination>/<time>-<hash>` (same suffix) so that a
 *   retried opening or recovery does not put the site in a second digest; 1 day.
 * - `outbox/<time>-<id>`: a message to send; sent ones kept 1 day, dead ones 7 days.
 * - `threads/<opening message id>`: channel and `ts` of a failure message posted with the Slack app, for
 *   its thread replies and its update on recovery; 90 days.
 * - `rate/slack/<destination>`: when the next post to that destination may go out (≈1 message/s each).
 * - `locks/sweep`, `locks/prune`: the sweep's lease and the last prune time.
 * - `status/sweep`: when the last sweep ran and its report (for `GET /status`); overwritten.
 * - `status/history`: the open episodes the sweep's history step saw at its last run; overwritten.
 * - `history/<YYYY-MM-DD>`: one UTC day of history (opened, closed, broken time per site); 30 days.
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
  event: (idempotencyKey: string) => `events/${keyPart(idempotencyKey)}`,
  inflight: (idempotencyKey: string) => `inflight/${keyPart(idempotencyKey)}`,
  stream: (streamKey: string) => `streams/${keyPart(streamKey)}`,
  open: (streamKey: string) => `open/${keyPart(streamKey)}`,
  commit: (commitKey: string) => `commits/${keyPart(commitKey)}`,
  /** The storm markers of one destination (a prefix to list). */
  stormOf: (destination: string) => `storm/${keyPart(destination)}/`,
  storm: (destination: string, at: number, streamKey: string) =>
    `storm/${keyPart(destination)}/${timePart(at)}-${hash(streamKey)}`,
  digest: (destination: string, at: number, id: string) =>
    `digest/${keyPart(destination)}/${timePart(at)}-${hash(id)}`,
  /** What a digest item leaves once its digest is queued (the same suffix). */
  digested: (digestKey: string) => `digested/${digestKey.slice("digest/".length)}`,
  outbox: (at: number, id: string) => `outbox/${timePart(at)}-${hash(id)}`,
  thread: (openingId: string) => `threads/${keyPart(openingId)}`,
  rate: (destination: string) => `rate/slack/${keyPart(destination)}`,
  sweepLock: "locks/sweep",
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
  outbox: "outbox/",
  history: "history/",
} as const;
