import { array, boolean, type infer as Infer, literal, number, object, optional, string } from "zod/mini";
import type { Config } from "../config.ts";
import type { FailureEvent } from "../event.ts";
import { hash } from "./keys.ts";

/**
 * One destination's ledger (`ledger/<destination>`): what deciding "alone or in the digest", "folded or
 * not" and "when may the next post start" needs, in one record changed by conditional writes only
 * (docs/architecture.md, "Storms"). No decision rests on a listing: a listing of the local Blobs server
 * that races a write answers 200 with part of the keys, and counting markers from it let a storm through.
 *
 * - `openers`: the episodes announced alone in this destination, with their arrival time. An episode is
 *   let in only while fewer than STORM_THRESHOLD *other streams* arrived within STORM_WINDOW_SECONDS of
 *   it, and only by a conditional write of this record: so at most T are announced alone per window,
 *   whatever the interleaving and the store's speed. Every later opener only reads the ledger and goes to
 *   the digest: the record stays small, and a storm's hundred openers do not fight over it. The write
 *   that lets an episode in also gives its writer a lease: until `leaseUntil` that invocation alone posts
 *   the message, and writes its outbox entry only once posted (sent, retried or dead).
 * - `claims`: the commits these episodes announced (folding: the other source's failure of the same commit
 *   adds no message), removed when their episode recovers.
 * - `nextAt`: before when no post to this destination may start (≈1 message/s per webhook), moved by
 *   every post and by a 429's Retry-After.
 */
const ledgerSchema = object({
  v: literal(1),
  nextAt: number(),
  openers: optional(
    array(
      object({
        episodeId: string(),
        stream: string(),
        at: number(),
        /** Until when the invocation that let it in is posting its message (no outbox entry yet). */
        leaseUntil: optional(number()),
      }),
    ),
  ),
  claims: optional(
    array(
      object({
        sha: string(),
        source: string(),
        stream: string(),
        episodeId: string(),
        at: number(),
        /** Its episode recovered: the claim folds only while it is younger than FOLD_FRESH_MS. */
        closed: optional(boolean()),
      }),
    ),
  ),
});
type Stored = Infer<typeof ledgerSchema>;
export type Opener = NonNullable<Stored["openers"]>[number];
export type Claim = NonNullable<Stored["claims"]>[number];
export interface Ledger {
  readonly v: 1;
  readonly nextAt: number;
  readonly openers: readonly Opener[];
  readonly claims: readonly Claim[];
}

export const emptyLedger = (): Ledger => ({ v: 1, nextAt: 0, openers: [], claims: [] });

/** A ledger, or an empty one; the rate records of earlier versions (`{ v, nextAt }`) read as one. */
export const parseLedger = (value: unknown): Ledger => {
  const parsed = ledgerSchema.safeParse(value);
  if (!parsed.success) return emptyLedger();
  return {
    v: 1,
    nextAt: parsed.data.nextAt,
    openers: parsed.data.openers ?? [],
    claims: parsed.data.claims ?? [],
  };
};

/** Claims older than this no longer fold (a commit's other source reports within minutes). */
export const CLAIM_MS = 7 * 86_400_000;
/**
 * A claim younger than this folds even once its episode has recovered: the other source's failure of the
 * same commit, seconds later, is the same news.
 */
export const FOLD_FRESH_MS = 60_000;
const MAX_CLAIMS = 200;

type StormConfig = Pick<Config, "stormThreshold" | "stormWindowSeconds">;

export const openerOf = (episode: { id: string; receivedAt: number }, stream: string): Opener => ({
  episodeId: episode.id,
  stream: hash(stream),
  at: episode.receivedAt,
});

/** Whether the episode was let in (announced alone) in this destination. */
export const admitted = (ledger: Ledger, episodeId: string): boolean =>
  ledger.openers.some((o) => o.episodeId === episodeId);

/** Whether the invocation that let the episode in may still be posting its message. */
export const posting = (ledger: Ledger, episodeId: string, now: number): boolean =>
  ledger.openers.some((o) => o.episodeId === episodeId && (o.leaseUntil ?? 0) > now);

/**
 * Alone or in the digest, from what the ledger holds. An episode already let in stays alone (a replay
 * decides as the first attempt did); otherwise alone only while fewer than STORM_THRESHOLD other streams
 * were let in within the window before its arrival.
 */
export const stormDecision = (ledger: Ledger, opener: Opener, config: StormConfig): "message" | "digest" => {
  if (admitted(ledger, opener.episodeId)) return "message";
  const since = opener.at - config.stormWindowSeconds * 1000;
  const others = new Set(
    ledger.openers.filter((o) => o.at > since && o.stream !== opener.stream).map((o) => o.stream),
  );
  return others.size >= config.stormThreshold ? "digest" : "message";
};

/**
 * The ledger with this episode let in (and its commit claimed), and the next post's slot reserved:
 * one write for all three. Openers older than twice the window are dropped; the window is counted from
 * each opener's arrival, which may be older than `now` (an event the sweep finishes keeps its place).
 */
export const admit = (
  ledger: Ledger,
  opener: Opener,
  claim: Claim | null,
  now: number,
  intervalMs: number,
  config: StormConfig,
): { readonly next: Ledger; readonly slotAt: number } => {
  const keepFrom = now - 2 * config.stormWindowSeconds * 1000;
  const openers = ledger.openers.filter((o) => o.at > keepFrom && o.episodeId !== opener.episodeId);
  const claims = ledger.claims.filter(
    (c) =>
      now - c.at < (c.closed ? FOLD_FRESH_MS : CLAIM_MS) &&
      !(claim && c.sha === claim.sha && c.source === claim.source),
  );
  const slot = reserve(ledger, now, intervalMs);
  return {
    next: {
      ...slot.next,
      openers: [...openers, opener],
      claims: claim ? [...claims, claim].slice(-MAX_CLAIMS) : claims,
    },
    slotAt: slot.slotAt,
  };
};

/** The next post's slot: not before `nextAt`, and the one after it `intervalMs` later. */
export const reserve = (
  ledger: Ledger,
  now: number,
  intervalMs: number,
): { readonly next: Ledger; readonly slotAt: number } => {
  const slotAt = Math.max(now, ledger.nextAt);
  return { next: { ...ledger, nextAt: intervalMs > 0 ? slotAt + intervalMs : ledger.nextAt }, slotAt };
};

/** A recovered episode's commit folds nothing more once its claim is FOLD_FRESH_MS old. */
export const releaseClaims = (ledger: Ledger, episodeId: string): Ledger => ({
  ...ledger,
  claims: ledger.claims.map((c) => (c.episodeId === episodeId ? { ...c, closed: true } : c)),
});

/** Whether releasing would change anything (a claim of that episode still open). */
export const holdsClaim = (ledger: Ledger, episodeId: string): boolean =>
  ledger.claims.some((c) => c.episodeId === episodeId && c.closed !== true);

export const claimOf = (event: FailureEvent, stream: string, episodeId: string, now: number): Claim | null =>
  event.commit.sha ? { sha: event.commit.sha, source: event.source, stream, episodeId, at: now } : null;

/**
 * Folding: the other source's episode of the same commit was announced alone in this destination and has
 * not recovered. Returns its claim, or null.
 */
export const foldingClaim = (ledger: Ledger, event: FailureEvent, now: number): Claim | null => {
  const { sha } = event.commit;
  if (!sha) return null;
  const folds = (c: Claim) =>
    c.sha === sha && c.source !== event.source && now - c.at < (c.closed ? FOLD_FRESH_MS : CLAIM_MS);
  return ledger.claims.find(folds) ?? null;
};
