import { expiredSilences } from "../../silences/match-silence.ts";
import { listSilences, removeSilence } from "../../silences/silence-store.ts";
import { ACKS_PREFIX, parseAck } from "../../slack-actions/ack-record.ts";
import { pruneActionClaims } from "../../slack-actions/prune-actions.ts";
import { conditionalUpdate } from "../../store/conditional-update.ts";
import { keys, PREFIX, timeOfKey } from "../keys.ts";
import type { PipelineDeps } from "../pipeline.ts";
import { parseAnyStream, parseLease, parseThread } from "../records.ts";
import { PRUNE_EVERY_MS, RETENTION } from "./retention.ts";

/** Prefixes of records that earlier versions wrote and this one no longer reads. */
const LEGACY = ["inflight/", "events/", "commits/", "storm/", "rate/"] as const;

/** At most hourly: forget what no longer matters (the lifetimes in docs/architecture.md). */
export const prune = async (deps: PipelineDeps, deadline: number): Promise<number> => {
  const now = deps.now();
  let pruned = 0;
  const marked = await conditionalUpdate(
    deps.store,
    keys.pruneMark,
    parseLease,
    ({ at }) =>
      now - at < PRUNE_EVERY_MS
        ? { write: false, value: false }
        : { write: true, next: { v: 1, at: now }, value: true },
    { attempts: 1 },
  );
  if (marked.kind !== "done" || !marked.value) return pruned;
  for (const key of await deps.store.list(PREFIX.digested)) {
    if (deps.now() > deadline) return pruned;
    if (timeOfKey(key) < now - RETENTION.digested) {
      await deps.store.delete(key);
      pruned++;
    }
  }
  const expired = async (prefix: string, isOld: (value: unknown) => boolean) => {
    for (const key of await deps.store.list(prefix)) {
      if (deps.now() > deadline) return;
      const value = await deps.store.read(key);
      if (value !== null && isOld(value)) {
        await deps.store.delete(key);
        pruned++;
      }
    }
  };
  await expired(PREFIX.threads, (v) => {
    const thread = parseThread(v);
    return thread === null || now - thread.at > RETENTION.threads;
  });
  await expired(PREFIX.streams, (v) => {
    const state = parseAnyStream(v);
    if (!state || state.episode !== null) return false;
    const last = Math.max(
      state.lastClosed ? Date.parse(state.lastClosed.closedAt) : 0,
      state.latest ? state.latest.order.finishedAt : 0,
    );
    return now - last > RETENTION.closedStreams;
  });
  // Slack interactions: claims of `action_ts` older than a day; acknowledgements of episodes long gone
  // (their recovery deletes them); silences that ended and were not removed by the sweep's silences step.
  pruned += await pruneActionClaims(deps.store, now);
  await expired(ACKS_PREFIX, (v) => {
    const ack = parseAck(v);
    return ack === null || now - ack.at > RETENTION.acks;
  });
  await expired(PREFIX.quiet, (v) => now - parseLease(v).at > RETENTION.digested);
  for (const silence of expiredSilences(await listSilences(deps.store), now)) {
    if (deps.now() > deadline) return pruned;
    if (silence.until !== null && now - silence.until > RETENTION.endedSilences) {
      await removeSilence(deps.store, silence.id);
      pruned++;
    }
  }
  // What earlier versions wrote: the inbox, event records, commit claims, storm markers, rate slots.
  for (const prefix of LEGACY) {
    for (const key of await deps.store.list(prefix)) {
      if (deps.now() > deadline) return pruned;
      await deps.store.delete(key);
      pruned++;
    }
  }
  return pruned;
};
