import { followUpsOf } from "../destinations/follow-ups.ts";
import type { OutboxMessage } from "../destinations/kind.ts";
import { failureNotice } from "../destinations/notice.ts";
import type { FailureEvent } from "../event.ts";
import { describeError } from "../log.ts";
import { mentionFor } from "../routing/mentions.ts";
import { matchSilence } from "../silences/match-silence.ts";
import { silenceTargetOf } from "../silences/read-silences-for.ts";
import { readSilenceIndex } from "../silences/silence-index.ts";
import type { Silence } from "../silences/silence-record.ts";
import { withControls } from "../slack/controls.ts";
import { formatNotice } from "../slack/format-notice.ts";
import { controlsFor } from "../slack-actions/controls-for.ts";
import { conditionalUpdate, type Decision } from "../store/conditional-update.ts";
import type { Entry } from "../store/store.ts";
import { autoRerunGate } from "./auto-rerun.ts";
import { type DeliverOutcome, deliver, enqueue, postHeld } from "./deliver.ts";
import { rememberDetail, withDetail } from "./detail.ts";
import { summary, writeDigestItem } from "./digest-items.ts";
import type { AnnouncedRoute, Episode, StreamState } from "./episodes.ts";
import { announcedRoutes } from "./episodes.ts";
import { followWithExcerpt } from "./excerpt-reply.ts";
import { keys } from "./keys.ts";
import { admit, admitted, claimOf, openerOf, parseLedger, posting, stormDecision } from "./ledger.ts";
import { digestItemKey, type Follow, openingMessages, type PlannedMessage } from "./messages.ts";
import { readiness, SEND_LEASE_MS } from "./outbox.ts";
import type { PipelineDeps } from "./pipeline.ts";
import { parseOutboxEntry } from "./records.ts";
import { combine, fromDelivery, type Result, result } from "./result.ts";
import { updateEpisode } from "./update-episode.ts";

/**
 * After the answer, an opened episode is announced where its routes say (docs/architecture.md, "One failure,
 * from request to Slack"): alone, once the destination's ledger lets it in (one conditional write that also
 * reserves the post's slot), or as an item of the destination's storm digest. Idempotent, so that a
 * redelivery or the sweep's scan can run it again: the outbox entry and the digest item are written
 * `onlyIfNew` under ids made from the episode (src/pipeline/messages.ts).
 */
export interface AnnounceOptions {
  /** This invocation opened the episode just now: nothing of it can exist yet, so nothing is read first. */
  readonly fresh: boolean;
  /** A person redelivered the event: a dead message gets one more try. */
  readonly reviveDead?: boolean;
  /** The destinations' ledgers as read before the answer, for the first conditional write. */
  readonly ledgers?: ReadonlyMap<string, Entry | null>;
  /** The silences as the caller read them (the sweep, once per run); else the index is read here. */
  readonly silences?: readonly Silence[];
  /** The stream record as this invocation wrote it before the answer, for its next conditional write. */
  readonly stream?: Entry;
}

export const announce = async (
  state: StreamState,
  deps: PipelineDeps,
  deadline: number,
  options: AnnounceOptions,
): Promise<Result> => {
  const episode = state.episode;
  if (!episode)
    return result("suppressed", "the episode closed before it was announced", undefined, state.stream);
  const { first: event, openedBy: key } = episode;
  const routes = announcedRoutes(episode);
  if (routes.length > 0) {
    // Silenced: nothing is posted; the episode stays open and recorded, and the sweep announces it when its
    // silence ends (src/pipeline/sweep/silence-ends.ts).
    const silences = options.silences ?? (await readSilenceIndex(deps.store));
    const silence = matchSilence(silences, silenceTargetOf(event), deps.now());
    if (silence) {
      const why = `silenced (${silence.id}, by ${silence.by}): announced when the silence ends if still failing`;
      return result("suppressed", why, key, state.stream);
    }
  }
  // Only an announced failure is worth the lookup, done while the ledgers are written (AUTO_RERUN's
  // `step:` and `job:` rules wait for it: they match what it finds).
  let lookup: Promise<FailureEvent> | null = null;
  const detail = () => {
    lookup ??= withDetail(event, deps, deadline);
    return lookup;
  };
  // AUTO_RERUN: a matching failure is re-run before anyone is told (src/pipeline/auto-rerun.ts).
  const gate = routes.length > 0 ? await autoRerunGate(state, deps, deadline, detail) : null;
  if (gate?.kind === "wait") return result("queued", gate.reason, key, state.stream);
  const note = gate?.kind === "announce" ? gate.note : null;
  const detailed = routes.length > 0 ? detail() : Promise.resolve(event);
  let grouped = 0;
  const outcomes = await Promise.all(
    routes.map(async (route) => {
      const outcome =
        route.delivery === "message"
          ? await alone(route, state.stream, episode, detailed, deps, deadline, { ...options, note })
          : (await toDigest(route.destination, state.stream, episode, detailed, deps, !options.fresh))
            ? "grouped"
            : null;
      if (outcome === "grouped") grouped++;
      return outcome === "grouped" ? null : outcome;
    }),
  );
  await detailed
    .then((told) => rememberDetail(told, state.stream, episode, deps))
    .catch((error: unknown) => {
      // Best effort: only the reminders lose the detail.
      deps.log("warn", "what failed not kept for reminders", { key, ...describeError(error) });
    });
  // Slack app: an excerpt that came after its message follows in the message's thread. Only by the
  // invocation that opened the episode: a sweep repairing many must not wait for their logs.
  if (options.fresh) {
    await detailed
      .then((told) => followWithExcerpt(state.stream, episode, told, deps, deadline))
      .catch((error: unknown) =>
        deps.log("warn", "log excerpt not sent as a reply", { key, ...describeError(error) }),
      );
  }
  const sent = outcomes.filter((o): o is DeliverOutcome => o !== null);
  if (sent.length === 0) {
    return grouped > 0
      ? result("queued", "storm: grouped into the next digest", key, state.stream)
      : result("suppressed", "already in its storm digest", key, state.stream);
  }
  return fromDelivery(combine(sent), result("queued", "episode opened", key, state.stream));
};

/** Another invocation holds this message's sending (its ledger lease): whoever checks later finds it. */
const HELD: DeliverOutcome = { kind: "queued", reason: "another sender is posting it", held: true };

/**
 * Alone in one destination: let in by its ledger, whose write also reserves the post's slot and gives
 * this invocation the lease of the send; the message is posted, then its outbox entry written as the post
 * left it. Should the ledger have filled since the answer, the episode goes to that destination's digest
 * after all. A replay (a copy of the delivery, the sweep's scan) finds the entry, or the lease of whoever
 * is posting, or a lease that ended without an entry: then it writes the message and sends it itself.
 */
const alone = async (
  route: AnnouncedRoute,
  stream: string,
  episode: Episode,
  detailed: Promise<FailureEvent>,
  deps: PipelineDeps,
  deadline: number,
  options: AnnounceOptions & { readonly note: number | null },
): Promise<DeliverOutcome | "grouped" | null> => {
  const planned = openingMessages(episode, followOf(deps)).find((m) => m.destination === route.destination);
  if (!planned) return null;
  if (!options.fresh) {
    const existing = await deps.store.get(planned.key);
    const held = parseOutboxEntry(existing?.value ?? null);
    // Another sender (the sweep, or an earlier replay) is posting it: nothing more to do here.
    if (held && readiness(held, deps.now()) === "in_flight") return { kind: "sent", dryRun: false };
    if (existing) {
      const again = options.reviveDead === true;
      return deliver({ key: planned.key, written: existing }, deps, { deadline, reviveDead: again });
    }
    const ledger = parseLedger(await deps.store.read(keys.ledger(route.destination)));
    if (posting(ledger, episode.id, deps.now())) return HELD;
    // Let in, and its sender gone before writing the message: written now, and sent by whoever wrote it.
    if (admitted(ledger, episode.id)) {
      const told = await detailed;
      const enqueued = await enqueue(openingEntry(planned, episode, told, deps, options.note), deps);
      if (!enqueued.written) return { kind: "sent", dryRun: false };
      return deliver(enqueued, deps, { deadline });
    }
  }
  const event = episode.first;
  const initial = options.ledgers?.get(route.destination);
  const letIn = await conditionalUpdate(
    deps.store,
    keys.ledger(route.destination),
    parseLedger,
    (ledger): Decision<number | "held" | null> => {
      // Let in by another attempt meanwhile (a copy of the delivery): that one posts.
      if (admitted(ledger, episode.id)) return { write: false, value: "held" };
      const opener = openerOf(episode, stream);
      if (stormDecision(ledger, opener, deps.config) === "digest") return { write: false, value: null };
      const now = deps.now();
      const claim = claimOf(event, stream, episode.id, now);
      const leased = { ...opener, leaseUntil: now + SEND_LEASE_MS };
      const { next, slotAt } = admit(ledger, leased, claim, now, deps.slackIntervalMs, deps.config);
      return { write: true, next, value: slotAt };
    },
    { sleep: deps.sleep, ...(initial === undefined ? {} : { initial }) },
  );
  // A ledger too contended to write is a storm too: errors only go towards the digest.
  if (letIn.kind === "contention" || letIn.value === null) {
    await demote(stream, episode, route.destination, deps, options.stream);
    const grouped = await toDigest(route.destination, stream, episode, detailed, deps, !options.fresh);
    deps.log("info", "storm: the destination's ledger filled meanwhile; the episode goes to its digest", {
      key: episode.openedBy,
      destination: route.destination,
    });
    return grouped ? "grouped" : null;
  }
  if (letIn.value === "held") return HELD;
  const told = await detailed;
  const entry = openingEntry(planned, episode, told, deps, options.note);
  // Posted now only when the post still fits before the deadline; else it waits for the sweep.
  const slotAt = letIn.value;
  if (Math.max(deps.now(), slotAt) + deps.slackTimeoutMs > deadline) {
    await enqueue(entry, deps);
    return { kind: "queued", reason: "no time left to call Slack before answering" };
  }
  return postHeld(entry, deps, { deadline, slotAt });
};

/** The failure message of an episode to one destination, as the outbox keeps it (a kind-neutral notice). */
const openingEntry = (
  planned: PlannedMessage,
  episode: Episode,
  told: FailureEvent,
  deps: PipelineDeps,
  note: number | null,
) => {
  const mention = mentionFor(deps.config.routing.mentions, told);
  const opened = { id: episode.id, openedAt: episode.openedAt, failedRuns: episode.failedRuns };
  // An automatic re-run that failed too: every kind says so (src/destinations/notice.ts).
  const at = episode.autoRerun?.at;
  const rerunAt = at === undefined ? null : new Date(at).toISOString();
  const again = note === null ? null : { failedAgain: true as const, rule: note, rerunAt };
  const notice = failureNotice(told, opened, mention, again);
  // Slack app mode with a signing secret: the message carries Re-run, Mute and "I'm on it", so it is
  // formatted for Slack now (a channel destination is always Slack's).
  const controls = controlsFor(deps.config, told, episode.id, planned.destination);
  const message: OutboxMessage = controls ? withControls(formatNotice(notice), controls) : notice;
  return {
    at: planned.at,
    id: planned.id,
    kind: planned.kind,
    summary: summary(told.outcome, told),
    message,
    cause: episode.openedBy,
    destination: planned.destination,
    ...(planned.startsThread ? { startsThread: true } : {}),
  };
};

/** What later messages do with an opening, per destination kind. */
export const followOf =
  (deps: Pick<PipelineDeps, "config">): Follow =>
  (destination) =>
    followUpsOf(deps.config.routing, destination);

const toDigest = async (
  destination: string,
  stream: string,
  episode: Episode,
  detailed: Promise<FailureEvent>,
  deps: PipelineDeps,
  replay: boolean,
): Promise<boolean> => {
  const event = await detailed;
  return writeDigestItem(
    digestItemKey(destination, episode, "failure"),
    { kind: "failure", event, stream, episode, destination, at: episode.receivedAt },
    deps,
    replay,
  );
};

/** The episode's route to `destination` becomes a digest (its stream record says so, for its recovery). */
const demote = (
  stream: string,
  episode: Episode,
  destination: string,
  deps: PipelineDeps,
  written: Entry | undefined,
) =>
  updateEpisode(
    stream,
    episode,
    (open) => {
      if (!open.routes) return null;
      const routes = open.routes.map((r) =>
        r.destination === destination ? { ...r, delivery: "digest" as const } : r,
      );
      return {
        ...open,
        routes,
        delivery: routes.some((r) => r.delivery === "message") ? "message" : "digest",
      };
    },
    deps,
    written,
  );
