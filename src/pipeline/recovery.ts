import { recoveryNotice, updateNotice } from "../destinations/notice.ts";
import { StoreUnavailableError } from "../errors.ts";
import { idempotencyKey, type RunEvent, streamKey } from "../event.ts";
import { recordPassedOnRerun } from "../rerun/passed-on-rerun.ts";
import { matchSilence, silenceMatches, silencesEndedByRecovery } from "../silences/match-silence.ts";
import { silenceTargetOf } from "../silences/read-silences-for.ts";
import { readSilenceIndex } from "../silences/silence-index.ts";
import { removeSilence } from "../silences/silence-store.ts";
import { ackKey } from "../slack-actions/ack-record.ts";
import { conditionalUpdate, type Decision } from "../store/conditional-update.ts";
import type { Entry } from "../store/store.ts";
import { readStream } from "./accept.ts";
import { followOf } from "./announce.ts";
import { waitsForRerun } from "./auto-rerun.ts";
import { deliver, enqueue } from "./deliver.ts";
import { summary, writeDigestItem } from "./digest-items.ts";
import { announcedRoutes, closeEpisode, decideSuccess, type Episode, recordSuccess } from "./episodes.ts";
import { keys } from "./keys.ts";
import { holdsClaim, parseLedger, releaseClaims } from "./ledger.ts";
import { digestItemKey, openingMessages, recoveryMessages } from "./messages.ts";
import type { PipelineDeps } from "./pipeline.ts";
import { combine, fromDelivery, type Result, result, runs } from "./result.ts";

/** An episode a success closed, as its recovery needs it. `at`: when the closing success arrived. */
export interface Closed {
  readonly episode: Episode;
  readonly event: RunEvent;
  readonly at: number;
}

/**
 * A success on its stream, in one conditional write: it closes the open episode (a recovery), or, with
 * none open, becomes the stream's newest run (so that an older failure delivered later stays silent).
 * `entry`: the stream as read before the answer, for the first attempt.
 */
export const closeStream = async (
  event: RunEvent,
  entry: Entry | null,
  deps: PipelineDeps,
  attempts?: number,
): Promise<({ readonly kind: "closed" } & Closed) | { readonly kind: "result"; readonly result: Result }> => {
  const key = idempotencyKey(event);
  const stream = streamKey(event);
  const at = deps.now();
  type Step =
    | { readonly kind: "closed"; readonly episode: Episode }
    | { readonly kind: "result"; readonly result: Result };
  const updated = await conditionalUpdate(
    deps.store,
    keys.stream(stream),
    readStream(stream),
    (state): Decision<Step> => {
      const decision = decideSuccess(state, event);
      if (decision.kind === "stale") {
        return {
          write: false,
          value: { kind: "result", result: result("ignored", decision.reason, key, stream) },
        };
      }
      if (decision.kind === "no_episode") {
        const remembered = result(
          "ignored",
          "success; no open episode (remembered as the newest run)",
          key,
          stream,
        );
        return {
          write: true,
          next: recordSuccess(state, event, key),
          value: { kind: "result", result: remembered },
        };
      }
      return {
        write: true,
        next: closeEpisode(state, event, key, at),
        value: { kind: "closed", episode: decision.episode },
      };
    },
    { initial: entry, sleep: deps.sleep, ...(attempts === undefined ? {} : { attempts }) },
  );
  if (updated.kind === "contention") {
    throw new StoreUnavailableError(
      "set",
      new Error(`stream ${stream} changed too often to record the event`),
    );
  }
  const step = updated.value;
  return step.kind === "result" ? step : { kind: "closed", episode: step.episode, event, at };
};

/** After the answer: a success with no episode open is remembered; one that found an episode closes it. */
export const rememberSuccess = async (
  event: RunEvent,
  entry: Entry | null,
  deps: PipelineDeps,
  deadline: number,
): Promise<Result> => {
  const closed = await closeStream(event, entry, deps);
  if (closed.kind === "result") return closed.result;
  return announceRecovery(closed, deps, deadline, {});
};

/**
 * The recovery follows the opening to every destination it went to: alone where the failure went alone
 * (after it, and in its thread with the Slack app, whose failure message is also updated in place to say
 * it recovered), into the recovery digest where the failure was in a digest. The episode's commit stops
 * folding in each destination, whether or not a message is sent.
 */
export const announceRecovery = async (
  closed: Closed,
  deps: PipelineDeps,
  deadline: number,
  options: { readonly reviveDead?: boolean },
): Promise<Result> => {
  const { episode, event, at } = closed;
  const key = idempotencyKey(event);
  const stream = streamKey(event);
  const what = `recovered after ${runs(episode.failedRuns)}`;
  const routes = announcedRoutes(episode);
  const notify = deps.config.notifyRecovery;
  const alone = routes.filter((r) => r.delivery === "message");
  if (waitsForRerun(episode)) {
    // Passed on its automatic re-run: nobody was told of the failure, nobody is told of this.
    await Promise.all([
      ...alone.map((r) => release(r.destination, episode.id, deps)),
      recordPassedOnRerun(deps.store, { episodeId: episode.id, site: episode.first.site, at }),
      deps.store.delete(ackKey(episode.id)),
    ]);
    return result("suppressed", `${what}; passed on its automatic re-run: nothing posted`, key, stream);
  }
  // Silences (docs/architecture.md, "Silences"): "until green" ones on this stream end now; while one
  // covers the stream, the recovery only updates a failure message that was posted, and posts nothing else.
  const [silences, quiet] = await Promise.all([
    routes.length > 0 ? readSilenceIndex(deps.store) : Promise.resolve([]),
    routes.length > 0 ? deps.store.read(keys.quiet(episode.id)) : Promise.resolve(null),
    deps.store.delete(ackKey(episode.id)),
  ]);
  const target = silenceTargetOf(event);
  const ended = silencesEndedByRecovery(silences, target, deps.now());
  if (ended.length > 0 && quiet === null) {
    // What this recovery decided outlives the silences it ends: a repair by the scan decides the same.
    await deps.store.set(keys.quiet(episode.id), { v: 1, at: deps.now() });
  }
  await Promise.all(ended.map((silence) => removeSilence(deps.store, silence.id)));
  const silenced = quiet !== null || ended.length > 0 || matchSilence(silences, target, deps.now()) !== null;
  // A silence that ended while the episode was open, not processed by the sweep yet, may have held its
  // failure back: then its recovery must not be the first thing posted.
  const heldBack =
    !silenced &&
    silences.some(
      (s) => s.until !== null && s.until > episode.receivedAt && silenceMatches(s, target, s.until - 1),
    ) &&
    !(await openingPosted(episode, deps));
  if (notify && heldBack) {
    await Promise.all(alone.map((r) => release(r.destination, episode.id, deps)));
    return result("suppressed", `${what}; its failure was silenced: nothing posted`, key, stream);
  }
  if (!notify || silenced) {
    const edited = notify ? await editOnly(closed, deps, deadline) : [];
    await Promise.all(alone.map((r) => release(r.destination, episode.id, deps)));
    if (!notify) return result("suppressed", `${what}; no message (NOTIFY_RECOVERY=false)`, key, stream);
    if (edited.length > 0)
      return fromDelivery(
        combine(edited),
        result("queued", `${what}; silenced: message updated`, key, stream),
      );
    return result("suppressed", `${what}; silenced: nothing posted`, key, stream);
  }
  const recovery = recoveredOf(episode);
  const grouped = routes.filter((r) => r.delivery === "digest");
  await Promise.all(
    grouped.map((r) =>
      writeDigestItem(
        digestItemKey(r.destination, episode, "recovery"),
        { kind: "recovery", event, stream, episode, destination: r.destination, at },
        deps,
        true,
      ),
    ),
  );
  const planned = recoveryMessages(episode, at, followOf(deps));
  if (planned.length === 0) {
    if (grouped.length > 0)
      return result("queued", `${what}; grouped into the next recovery digest`, key, stream);
    const why = episode.delivery === "muted" ? "the route is muted" : "the episode was folded";
    return result("suppressed", `${what}; no message (${why})`, key, stream);
  }
  const outcomes = await Promise.all(
    planned.map(async (message) => {
      const enqueued = await enqueue(
        {
          at: message.at,
          id: message.id,
          kind: message.kind,
          summary: summary(message.edit ? "marked recovered" : "recovered", event),
          message: message.edit
            ? updateNotice(episode.first, event, recovery)
            : recoveryNotice(event, recovery, episode.first),
          cause: key,
          destination: message.destination,
          ...(message.after ? { after: message.after } : {}),
          ...(message.thread ? { thread: message.thread } : {}),
          ...(message.edit ? { edit: true } : {}),
        },
        deps,
      );
      return deliver(enqueued, deps, { deadline, ...(options.reviveDead ? { reviveDead: true } : {}) });
    }),
  );
  await Promise.all(alone.map((r) => release(r.destination, episode.id, deps)));
  return fromDelivery(combine(outcomes), result("queued", what, key, stream));
};

const recoveredOf = (episode: Episode) => ({
  id: episode.id,
  openedAt: episode.openedAt,
  failedRuns: episode.failedRuns,
  firstFailureUrl: episode.first.logsUrl,
});

/** Whether a failure message of the episode was written to the outbox (announced alone somewhere). */
const openingPosted = async (episode: Episode, deps: PipelineDeps): Promise<boolean> => {
  const openings = openingMessages(episode, followOf(deps));
  const found = await Promise.all(openings.map(async (m) => (await deps.store.read(m.key)) !== null));
  return found.some(Boolean);
};

/** Under a silence: the failure messages that were posted updated in place to say so, nothing more. */
const editOnly = async (closed: Closed, deps: PipelineDeps, deadline: number) => {
  const { episode, event, at } = closed;
  const edits = recoveryMessages(episode, at, followOf(deps)).filter((m) => m.edit && m.after);
  const posted = await Promise.all(
    edits.map(async (m) => (m.after && (await deps.store.read(m.after)) !== null ? m : null)),
  );
  return Promise.all(
    posted
      .filter((m) => m !== null)
      .map(async (message) => {
        const enqueued = await enqueue(
          {
            at: message.at,
            id: message.id,
            kind: message.kind,
            summary: summary("marked recovered", event),
            message: updateNotice(episode.first, event, recoveredOf(episode)),
            cause: idempotencyKey(event),
            destination: message.destination,
            ...(message.after ? { after: message.after } : {}),
            ...(message.thread ? { thread: message.thread } : {}),
            edit: true,
          },
          deps,
        );
        return deliver(enqueued, deps, { deadline });
      }),
  );
};

/** The episode's commit claim leaves the destination's ledger (its recovery posts nothing there). */
const release = async (destination: string, episodeId: string, deps: PipelineDeps): Promise<void> => {
  await conditionalUpdate(
    deps.store,
    keys.ledger(destination),
    parseLedger,
    (ledger): Decision<null> =>
      holdsClaim(ledger, episodeId)
        ? { write: true, next: releaseClaims(ledger, episodeId), value: null }
        : { write: false, value: null },
    { sleep: deps.sleep },
  );
};
