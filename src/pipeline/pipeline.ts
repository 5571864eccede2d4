import type { Config } from "../config.ts";
import { followUpsOf } from "../destinations/follow-ups.ts";
import { failureNotice, recoveryNotice, updateNotice } from "../destinations/notice.ts";
import { commitKey, type FailureEvent, idempotencyKey, type RunEvent, streamKey } from "../event.ts";
import { describeError } from "../log.ts";
import { mentionFor } from "../routing/mentions.ts";
import { DEFAULT_DESTINATION, matchRoute, type RouteInput } from "../routing/routes.ts";
import { conditionalUpdate, type Decision } from "../store/conditional-update.ts";
import type { Entry } from "../store/store.ts";
import { oneLine } from "../text/one-line.ts";
import { type DeliverDeps, type DeliverOutcome, deliver, type Enqueued, enqueue } from "./deliver.ts";
import {
  announcedRoutes,
  closeEpisode,
  countFailure,
  decideFailure,
  decideSuccess,
  type Episode,
  type EpisodeRoute,
  emptyStream,
  openEpisode,
  recordSuccess,
  routeEpisode,
  type StreamState,
} from "./episodes.ts";
import { keys } from "./keys.ts";
import type { Verdict } from "./policy.ts";
import {
  type EventRecord,
  type InflightRecord,
  parseCommitClaim,
  parseEventRecord,
  parseInflight,
  parseStream,
  type ResultStatus,
} from "./records.ts";
import { type DigestItem, stormRouting } from "./storms.ts";

/**
 * One delivery's way through vigie, in two halves (docs/architecture.md, "One failure, from request to
 * Slack"):
 * - `accept`, before the webhook answers: a few store round trips. A failure (or a success that closes
 *   an episode) is written to the inbox (`inflight/<key>`, `onlyIfNew`), which is also what makes
 *   concurrent copies duplicates; a redelivery of an event already processed is recognised.
 * - `process`, after the answer (`context.waitUntil`), or by the sweep when the invocation died: episodes
 *   in the runs' own order, folding, storms, the outbox, Slack.
 * Both halves are idempotent: every key derives from the event or its episode, so running `process` twice
 * for one event (a takeover by the sweep, a redelivery racing the first copy) changes nothing more.
 */
export interface PipelineDeps extends DeliverDeps {
  readonly config: Config;
  /**
   * What failed, looked up from the source's API (GitHub's jobs: src/sources/github/jobs.ts) for a failure
   * about to be announced, never for one only counted or folded. Returns the event with its `failedAt`, or
   * the event as it was; never throws, and gives up by `deadline`.
   */
  readonly detailFailure?: ((event: FailureEvent, deadline: number) => Promise<FailureEvent>) | undefined;
}

/** What a delivery came to. The HTTP layer decides the status code (src/http/handle-webhook.ts). */
export interface Result {
  readonly status: ResultStatus;
  readonly reason: string;
  readonly key?: string;
  readonly stream?: string;
}

/** An accepted event whose processing has not finished after this long is finished by the sweep. */
export const EVENT_LEASE_MS = 60_000;

/** Whether another invocation (the sweep, a redelivery) may finish this inbox entry now. */
export const leaseEnded = (inflight: InflightRecord, now: number): boolean =>
  inflight.releasedAt !== undefined || inflight.since + EVENT_LEASE_MS <= now;

/**
 * Gives an inbox entry up to the next sweep (or redelivery) at once, instead of after EVENT_LEASE_MS: the
 * invocation holding it is alive but could not finish it. Best effort: if this fails too, the lease's end
 * hands it over all the same. False when the entry is gone (someone finished it).
 */
export const releaseInflight = async (event: RunEvent, deps: PipelineDeps): Promise<boolean> => {
  const key = keys.inflight(idempotencyKey(event));
  const outcome = await conditionalUpdate(
    deps.store,
    key,
    (value) => (value === null ? null : parseInflight(value)),
    (current) =>
      current === null || current.releasedAt !== undefined
        ? { write: false, value: current !== null }
        : { write: true, next: { ...current, releasedAt: deps.now() }, value: true },
    { attempts: 3, sleep: deps.sleep },
  );
  return outcome.kind === "done" && outcome.value;
};
/**
 * How long processing may take after the answer. Netlify lets a synchronous function run 60 s
 * (https://docs.netlify.com/build/functions/configuration, "Synchronous execution limit") and keeps it
 * alive for `context.waitUntil` work; what does not fit is left to the sweep (outbox, inbox).
 */
export const PROCESS_BUDGET_MS = 25_000;

export type Acceptance =
  /** Answered before any processing: a duplicate, a success that changes nothing. */
  | {
      readonly kind: "answered";
      readonly result: Result;
      /**
       * Work that may follow the answer (a green run remembered as the newest, the message of a redelivered
       * event tried again), run with the dependencies of the work after the answer: its own deadline.
       */
      readonly followUp: ((later: PipelineDeps, deadline: number) => Promise<Result>) | null;
    }
  /** In the inbox: `process` it now, or the sweep will after EVENT_LEASE_MS. */
  | { readonly kind: "accepted"; readonly result: Result; readonly inflight: InflightRecord };

const result = (status: ResultStatus, reason: string, key?: string, stream?: string): Result => ({
  status,
  reason,
  ...(key === undefined ? {} : { key }),
  ...(stream === undefined ? {} : { stream }),
});

const readStream = (stream: string) => (value: unknown) => parseStream(value, stream) ?? emptyStream(stream);

const updateOptions = (deps: PipelineDeps) => ({ sleep: deps.sleep });

const CONTENTION = "the stream changed too often to update it now; the sweep will finish this event";

/** Everything before the answer. `verdict` is a failure or a success (ignored ones never get here). */
export const accept = async (
  verdict: Exclude<Verdict, { kind: "ignored" }>,
  deps: PipelineDeps,
): Promise<Acceptance> => {
  const { event } = verdict;
  const key = idempotencyKey(event);
  const stream = streamKey(event);
  if (verdict.kind === "success") {
    // Every green run of every site comes here, so it costs one read before the answer: stale, or no
    // episode to close. With no episode, the run is remembered as the stream's newest after the answer (an
    // older failure delivered later must stay silent); were that lost with its invocation, the only effect
    // would be that such an older failure could still open an episode.
    const stored = await deps.store.read(keys.stream(stream));
    const decision = decideSuccess(readStream(stream)(stored), event);
    if (decision.kind === "stale") return answered(result("ignored", decision.reason, key, stream));
    if (decision.kind === "no_episode") {
      return {
        kind: "answered",
        result: result("ignored", "success; no open episode", key, stream),
        // A stream never seen before is created at once (`onlyIfNew`), without reading it again.
        followUp: (later, deadline) => rememberSuccess(event, later, deadline, stored === null),
      };
    }
  }
  const inflight: InflightRecord = { v: 1, event, since: deps.now() };
  const [done, inbox] = await Promise.all([
    deps.store.read(keys.event(key)),
    deps.store.set(keys.inflight(key), inflight, { onlyIfNew: true }),
  ]);
  const record = parseEventRecord(done);
  if (record?.state === "done") {
    const wrote = inbox.modified;
    return {
      kind: "answered",
      result: result("duplicate", `already handled (${record.result?.status ?? "unknown"})`, key, stream),
      followUp: async (later, deadline) => {
        if (wrote) await later.store.delete(keys.inflight(key));
        return retryMessage(key, record, later, deadline);
      },
    };
  }
  if (!inbox.modified) {
    const held = parseInflight(await deps.store.read(keys.inflight(key)));
    if (held === null || !leaseEnded(held, deps.now())) {
      // A concurrent copy holds the inbox entry; should its invocation die, the sweep finishes it.
      return answered(
        result("duplicate", `event ${key} is being processed by another delivery`, key, stream),
      );
    }
    // Its invocation died long ago (a redelivery after a 503): this delivery finishes it, as the sweep would.
    return {
      kind: "accepted",
      result: result("accepted", "taking over an unfinished event", key, stream),
      inflight: held,
    };
  }
  return {
    kind: "accepted",
    result: result("accepted", "recorded; processing continues after this answer", key, stream),
    inflight,
  };
};

const answered = (value: Result): Acceptance => ({ kind: "answered", result: value, followUp: null });

/**
 * A success with no episode open becomes the stream's newest run. Should an episode have opened meanwhile
 * (a concurrent failure), the success goes through the inbox and closes it, as a recovery would.
 */
const rememberSuccess = async (
  event: RunEvent,
  deps: PipelineDeps,
  deadline: number,
  absent: boolean,
): Promise<Result> => {
  const key = idempotencyKey(event);
  const stream = streamKey(event);
  const remembered = await conditionalUpdate(
    deps.store,
    keys.stream(stream),
    readStream(stream),
    (current): Decision<Result | null> => {
      const again = decideSuccess(current, event);
      if (again.kind === "stale")
        return { write: false, value: result("ignored", again.reason, key, stream) };
      if (again.kind === "recovered") return { write: false, value: null };
      return {
        write: true,
        next: recordSuccess(current, event, key),
        value: result("ignored", "success; no open episode (remembered as the newest run)", key, stream),
      };
    },
    absent ? { ...updateOptions(deps), initial: null } : updateOptions(deps),
  );
  if (remembered.kind === "done" && remembered.value !== null) return remembered.value;
  const inflight: InflightRecord = { v: 1, event, since: deps.now() };
  const inbox = await deps.store.set(keys.inflight(key), inflight, { onlyIfNew: true });
  if (!inbox.modified)
    return result("duplicate", `event ${key} is being processed by another delivery`, key, stream);
  return process(inflight, deps, deadline);
};

/**
 * A repeat of an event already processed. If its message is still waiting (Slack failed) or was
 * refused, a redelivery, which only a person or the redelivery job triggers, gives it one more try.
 */
const retryMessage = async (
  key: string,
  record: EventRecord,
  deps: PipelineDeps,
  deadline: number,
): Promise<Result> => {
  const outboxes = record.outboxes ?? (record.outbox === null ? [] : [record.outbox]);
  if (outboxes.length === 0)
    return result("duplicate", `already handled (${record.result?.status ?? "unknown"})`, key);
  const outcome = combine(
    await Promise.all(outboxes.map((outbox) => deliver(outbox, deps, { deadline, reviveDead: true }))),
  );
  switch (outcome.kind) {
    case "sent":
      return result("duplicate", "already handled; its message is sent", key);
    case "queued":
      return result("queued", `already handled; its message is still queued: ${outcome.reason}`, key);
    case "failed":
      return result("failed", `already handled; Slack refused its message again: ${outcome.reason}`, key);
  }
};

/** Both halves at once, for callers with no `waitUntil` (unit tests, scripts): the final result. */
export const processVerdict = async (
  verdict: Verdict,
  deps: PipelineDeps,
  deadline: number,
): Promise<Result> => {
  if (verdict.kind === "ignored") return result("ignored", verdict.reason);
  const acceptance = await accept(verdict, deps);
  if (acceptance.kind === "answered") {
    return acceptance.followUp ? acceptance.followUp(deps, deadline) : acceptance.result;
  }
  return process(acceptance.inflight, deps, deadline);
};

/** Everything after the answer: the event's effect on its stream, and the message if there is one. */
export const process = async (
  inflight: InflightRecord,
  deps: PipelineDeps,
  deadline: number,
): Promise<Result> => {
  const { event } = inflight;
  const key = idempotencyKey(event);
  const outcome =
    event.outcome === "success"
      ? await processSuccess(inflight, deps)
      : await processFailure(inflight, deps, deadline);
  if (outcome.kind === "contention") {
    const released = await releaseInflight(event, deps).catch(() => false);
    deps.log("warn", "stream contention: event left in the inbox for the sweep", { key, released });
    return result("queued", CONTENTION, key, streamKey(event));
  }
  await finishEvent(
    key,
    outcome.result,
    outcome.outboxes.map((outbox) => outbox.key),
    deps,
  );
  if (outcome.outboxes.length === 0) return outcome.result;
  // One message per destination, each with its own rate slot: a slow or dead one never holds another.
  const outcomes = await Promise.all(outcome.outboxes.map((outbox) => deliver(outbox, deps, { deadline })));
  return fromDelivery(combine(outcomes), outcome.result);
};

type Processed =
  | { readonly kind: "processed"; readonly result: Result; readonly outboxes: readonly Enqueued[] }
  | { readonly kind: "contention" };

/**
 * The outcomes of one event's messages to several destinations, as one: sent when all were, failed when
 * one was refused (its reason first), queued otherwise.
 */
const combine = (outcomes: readonly DeliverOutcome[]): DeliverOutcome => {
  const failed = outcomes.filter((o) => o.kind === "failed");
  const queued = outcomes.filter((o) => o.kind === "queued");
  const also = (n: number) => (outcomes.length > 1 ? ` (${n} of ${outcomes.length} destinations)` : "");
  if (failed.length > 0) return { kind: "failed", reason: `${failed[0]?.reason}${also(failed.length)}` };
  if (queued.length > 0) return { kind: "queued", reason: `${queued[0]?.reason}${also(queued.length)}` };
  return { kind: "sent", dryRun: outcomes.some((o) => o.kind === "sent" && o.dryRun) };
};

/** The event is done: remembered for redeliveries (with its messages), and out of the inbox. */
const finishEvent = async (key: string, outcome: Result, outboxes: readonly string[], deps: PipelineDeps) => {
  const record: EventRecord = {
    v: 1,
    state: "done",
    at: deps.now(),
    result: { status: outcome.status, reason: outcome.reason },
    outbox: outboxes[0] ?? null,
    ...(outboxes.length > 1 ? { outboxes: [...outboxes] } : {}),
  };
  // In this order: should the first write fail, the inbox entry is still there for the sweep.
  await deps.store.set(keys.event(key), record);
  await deps.store.delete(keys.inflight(key));
};

const fromDelivery = (outcome: DeliverOutcome, processed: Result): Result => {
  const { reason: what, key, stream } = processed;
  switch (outcome.kind) {
    case "sent":
      return result("notified", outcome.dryRun ? `${what} (dry run: printed to the log)` : what, key, stream);
    case "queued":
      return result(
        "queued",
        `${what}; message queued, the sweep will send it (${outcome.reason})`,
        key,
        stream,
      );
    case "failed":
      return result("failed", `${what}; Slack refused the message: ${outcome.reason}`, key, stream);
  }
};

const runs = (n: number): string => (n === 1 ? "1 failed run" : `${n} failed runs`);

interface Routing {
  readonly delivery: "message" | "digest" | "folded" | "muted";
  readonly foldedInto: string | null;
  /** Per destination: announced alone or in its storm digest. Empty when folded or muted. */
  readonly routes: readonly EpisodeRoute[];
  /** The ROUTES rule that muted it, for the answer. */
  readonly mutedBy: number | null;
  /** The storm markers written, one per destination. */
  readonly markers: readonly string[];
  /** The commit's folding claim as read, to take it over once the episode is written. */
  readonly commit: { readonly key: string; readonly entry: Entry | null } | null;
}

/** Folding claims younger than this count even before the other source's episode is visible. */
export const FOLD_FRESH_MS = 60_000;

const routeInput = (event: RunEvent): RouteInput => ({
  site: event.site,
  branch: event.branch,
  source: event.source,
  workflow: event.workflow,
});

/**
 * Where an episode about to open goes (ROUTES), then folding and storms. Folding: a failure of a commit
 * whose failure the other source already announced to the same destinations adds no message. Storms, per
 * destination: the episode writes one marker per destination (`storm/<destination>/<arrival time>-<stream>`)
 * and counts that destination's window (src/pipeline/storms.ts). The commit is read and the markers
 * written at once; a folded episode takes its markers back.
 */
const route = async (
  event: FailureEvent,
  episode: Episode,
  stream: string,
  deps: PipelineDeps,
): Promise<Routing> => {
  const matched = matchRoute(deps.config.routing.rules, routeInput(event));
  const destinations = matched.destinations;
  if (destinations.length === 0) {
    const mutedBy = matched.rule?.number ?? null;
    return { delivery: "muted", foldedInto: null, routes: [], mutedBy, markers: [], commit: null };
  }
  const commit = commitKey(event);
  const markers = destinations.map((destination) => keys.storm(destination, episode.receivedAt, stream));
  const [commitEntry] = await Promise.all([
    commit ? deps.store.get(keys.commit(commit)) : Promise.resolve(null),
    ...markers.map((marker) => deps.store.set(marker, { v: 1, at: episode.receivedAt, stream })),
  ]);
  const claim = parseCommitClaim(commitEntry?.value ?? null);
  const commitRef = commit ? { key: keys.commit(commit), entry: commitEntry } : null;
  const announcedThere = (claim?.destinations ?? [DEFAULT_DESTINATION]).filter((d) => d !== "");
  if (claim && claim.source !== event.source && destinations.every((d) => announcedThere.includes(d))) {
    // A claim seconds old may belong to an episode whose own routing is still on its way.
    let folded = deps.now() - claim.at < FOLD_FRESH_MS;
    if (!folded) {
      const other = parseStream(await deps.store.read(keys.stream(claim.stream)), claim.stream);
      folded = other?.episode?.id === claim.episodeId && other.episode.delivery !== "folded";
    }
    if (folded) {
      await Promise.all(markers.map((marker) => deps.store.delete(marker)));
      return {
        delivery: "folded",
        foldedInto: claim.stream,
        routes: [],
        mutedBy: null,
        markers: [],
        commit: null,
      };
    }
  }
  const routes = await Promise.all(
    destinations.map(async (destination, index): Promise<EpisodeRoute> => {
      const listed = await deps.store.list(keys.stormOf(destination));
      const mine = markers[index] as string;
      return { destination, delivery: stormRouting(listed, mine, episode.receivedAt, deps.config) };
    }),
  );
  const delivery = routes.some((r) => r.delivery === "message") ? "message" : "digest";
  return { delivery, foldedInto: null, routes, mutedBy: null, markers, commit: commitRef };
};

/** This source now owns the commit: first to claim it, or the other source's episode has closed. */
const claimCommit = async (
  routing: Routing,
  event: FailureEvent,
  stream: string,
  episode: Episode,
  deps: PipelineDeps,
) => {
  if (!routing.commit) return;
  const claim = {
    v: 1,
    source: event.source,
    stream,
    episodeId: episode.id,
    at: deps.now(),
    destinations: routing.routes.map((r) => r.destination),
  };
  const { key, entry } = routing.commit;
  if (!entry) await deps.store.set(key, claim, { onlyIfNew: true });
  else if (parseCommitClaim(entry.value)?.source !== event.source) {
    await deps.store.set(key, claim, { onlyIfMatch: entry.etag });
  }
};

const writeDigestItem = async (
  kind: DigestItem["kind"],
  event: RunEvent,
  stream: string,
  episode: Episode,
  destination: string,
  deps: PipelineDeps,
  /** This item may have been written, and its digest sent, by an earlier attempt of the same event. */
  replay = false,
) => {
  const item: DigestItem = {
    v: 1,
    destination,
    kind,
    event,
    stream,
    episodeId: episode.id,
    episode: {
      openedAt: episode.openedAt,
      failedRuns: episode.failedRuns,
      firstLogsUrl: episode.first.logsUrl,
    },
    at: deps.now(),
  };
  const key = keys.digest(destination, episode.receivedAt, `${episode.id}:${kind}`);
  // A replay may come after the digest went out: the digest's trace says so (keys.ts, `digested/`).
  if (replay && (await deps.store.read(keys.digested(key))) !== null) return;
  await deps.store.set(key, item, { onlyIfNew: true });
};

const summary = (what: string, event: RunEvent): string =>
  oneLine(`${what}: ${event.site} ${event.workflow} ${event.branch ?? ""}`);

type FailureStep =
  | { readonly kind: "result"; readonly result: Result }
  | { readonly kind: "episode"; readonly episode: Episode; readonly routing: Routing | null };

/** Time kept after looking up what failed, for the outbox write and the rate slot before Slack's call. */
const DETAIL_MARGIN_MS = 2_000;

/**
 * The event with what failed, when a source can tell more than its webhook did. The lookup must end early
 * enough for the message to be sent before `deadline`, as it would have been without it.
 */
const withDetail = async (
  event: FailureEvent,
  deps: PipelineDeps,
  deadline: number,
): Promise<FailureEvent> => {
  if (!deps.detailFailure || (event.failedAt?.jobs.length ?? 0) > 0) return event;
  try {
    return await deps.detailFailure(event, deadline - deps.slackTimeoutMs - DETAIL_MARGIN_MS);
  } catch (error) {
    deps.log("warn", "failed job not looked up; the message goes without it", {
      key: idempotencyKey(event),
      ...describeError(error),
    });
    return event;
  }
};

/** What failed, written into the open episode's first event once it is known (one conditional write). */
const rememberDetail = async (told: FailureEvent, stream: string, episode: Episode, deps: PipelineDeps) => {
  const failedAt = told.failedAt ?? null;
  if (failedAt === null || (episode.first.failedAt?.jobs.length ?? 0) > 0) return;
  await conditionalUpdate(
    deps.store,
    keys.stream(stream),
    readStream(stream),
    (state): Decision<null> => {
      const open = state.episode;
      if (open?.id !== episode.id || (open.first.failedAt?.jobs.length ?? 0) > 0)
        return { write: false, value: null };
      return {
        write: true,
        next: { ...state, episode: { ...open, first: { ...open.first, failedAt } } },
        value: null,
      };
    },
    updateOptions(deps),
  );
};

const processFailure = async (
  inflight: InflightRecord,
  deps: PipelineDeps,
  deadline: number,
): Promise<Processed> => {
  const event = inflight.event as FailureEvent;
  const key = idempotencyKey(event);
  const stream = streamKey(event);
  let routing: Routing | null = null;
  let last: ReturnType<typeof decideFailure>["kind"] | null = null;
  const routeOnce = async (episode: Episode) => {
    // The episode id derives from the stream and this event: a second attempt routes the same episode.
    routing ??= await route(event, episode, stream, deps);
    return routing;
  };
  const updated = await conditionalUpdate(
    deps.store,
    keys.stream(stream),
    readStream(stream),
    async (state: StreamState): Promise<Decision<FailureStep>> => {
      const decision = decideFailure(state, event, key);
      last = decision.kind;
      switch (decision.kind) {
        case "stale":
          return {
            write: false,
            value: { kind: "result", result: result("suppressed", decision.reason, key, stream) },
          };
        case "already_applied":
          return {
            write: false,
            value: {
              kind: "result",
              result: result("suppressed", "already counted in the open episode", key, stream),
            },
          };
        case "counted": {
          const next = countFailure(state, event, key);
          const episode = next.episode as Episode;
          const how = episode.delivery === "folded" ? "folded" : "counted";
          const reason = `${how}: episode open since ${episode.openedAt}, ${runs(episode.failedRuns)}`;
          return {
            write: true,
            next,
            value: { kind: "result", result: result("suppressed", reason, key, stream) },
          };
        }
        case "open": {
          const current = state.episode;
          if (decision.replay && current && current.delivery !== "pending") {
            return { write: false, value: { kind: "episode", episode: current, routing: null } };
          }
          // Arrival time, not processing time: an event the sweep finishes keeps its place in its storm.
          const opened = decision.replay && current ? state : openEpisode(state, event, key, inflight.since);
          const routed = await routeOnce(opened.episode as Episode);
          const next = routeEpisode(opened, {
            delivery: routed.delivery,
            foldedInto: routed.foldedInto,
            routes: routed.routes,
          });
          return {
            write: true,
            next,
            value: { kind: "episode", episode: next.episode as Episode, routing: routed },
          };
        }
      }
    },
    updateOptions(deps),
  );
  // Routed, then found stale: no episode of this stream opened, so its marker must not count. (A stream
  // whose episode another delivery opened keeps the marker: it counts once per stream anyway.)
  const stray = (routing as Routing | null)?.markers ?? [];
  if (last === "stale" || last === "already_applied") {
    await Promise.all(stray.map((marker) => deps.store.delete(marker)));
  }
  if (updated.kind === "contention") return { kind: "contention" };
  const step = updated.value;
  if (step.kind === "result") return { kind: "processed", result: step.result, outboxes: [] };
  const { episode } = step;
  const alone = episode.delivery === "message" || episode.delivery === "pending";
  // Only a failure that is announced (alone or in a digest) is worth the lookup, done while the episode's
  // other writes go on.
  const detailed =
    alone || episode.delivery === "digest" ? withDetail(event, deps, deadline) : Promise.resolve(event);
  const writes: Array<Promise<unknown>> = [
    deps.store.set(keys.open(stream), { v: 1, stream, episodeId: episode.id }),
  ];
  if (step.routing) writes.push(claimCommit(step.routing, event, stream, episode, deps));
  // One message per destination its route names (ids `<episode>:open:<destination>`); in a destination's
  // storm, its digest instead.
  const mention = mentionFor(deps.config.routing.mentions, event);
  const opened = { id: episode.id, openedAt: episode.openedAt, failedRuns: episode.failedRuns };
  const message = detailed.then((told) => failureNotice(told, opened, mention));
  const outboxes: Array<Promise<Enqueued>> = [];
  for (const announced of announcedRoutes(episode)) {
    const { destination } = announced;
    if (announced.delivery === "digest") {
      writes.push(
        detailed.then((told) =>
          // No routing in this step: a replay of the event that opened the episode.
          writeDigestItem("failure", told, stream, episode, destination, deps, step.routing === null),
        ),
      );
      continue;
    }
    outboxes.push(
      message.then((formatted) =>
        enqueue(
          {
            at: episode.receivedAt,
            id: announced.openingId,
            kind: "failure",
            summary: summary(event.outcome, event),
            message: formatted,
            cause: key,
            destination,
            ...(followUpsOf(deps.config.routing, destination).keepsOpening ? { startsThread: true } : {}),
          },
          deps,
        ),
      ),
    );
  }
  // The episode's first event keeps what failed, for its reminders (they are built from it by the sweep).
  writes.push(
    detailed
      .then((told) => rememberDetail(told, stream, episode, deps))
      .catch((error: unknown) => {
        // Best effort: only the reminders lose the detail.
        deps.log("warn", "what failed not kept for reminders", { key, ...describeError(error) });
      }),
  );
  const [enqueued] = await Promise.all([Promise.all(outboxes), Promise.all(writes)]);
  if (episode.delivery === "folded") {
    const sha = event.commit.sha?.slice(0, 7) ?? "";
    return {
      kind: "processed",
      result: result(
        "suppressed",
        `folded: commit ${sha} already announced by ${episode.foldedInto}`,
        key,
        stream,
      ),
      outboxes: [],
    };
  }
  if (episode.delivery === "muted") {
    const by = step.routing?.mutedBy;
    const reason = `muted: ROUTES sends this run nowhere${by ? ` (rule ${by})` : ""}`;
    return { kind: "processed", result: result("suppressed", reason, key, stream), outboxes: [] };
  }
  if (enqueued.length === 0) {
    return {
      kind: "processed",
      result: result("queued", "storm: grouped into the next digest", key, stream),
      outboxes: [],
    };
  }
  return {
    kind: "processed",
    result: result("queued", "episode opened", key, stream),
    outboxes: enqueued,
  };
};

type SuccessStep =
  | { readonly kind: "result"; readonly result: Result }
  | { readonly kind: "closed"; readonly episode: Episode };

const processSuccess = async (inflight: InflightRecord, deps: PipelineDeps): Promise<Processed> => {
  const { event } = inflight;
  const key = idempotencyKey(event);
  const stream = streamKey(event);
  const notify = deps.config.notifyRecovery;
  let queued: Enqueued[] | null = null;
  const updated = await conditionalUpdate(
    deps.store,
    keys.stream(stream),
    readStream(stream),
    async (state): Promise<Decision<SuccessStep>> => {
      const decision = decideSuccess(state, event);
      if (decision.kind === "stale") {
        return {
          write: false,
          value: { kind: "result", result: result("ignored", decision.reason, key, stream) },
        };
      }
      if (decision.kind === "no_episode") {
        const none = result("ignored", "success; no open episode", key, stream);
        return {
          write: true,
          next: recordSuccess(state, event, key),
          value: { kind: "result", result: none },
        };
      }
      const { episode } = decision;
      // The recovery is written before the episode closes (claim → send → mark): a crash in between
      // leaves an open episode whose next success finds the same message ids, never a lost one.
      if (notify && queued === null) queued = await queueRecovery(event, key, stream, episode, deps);
      return { write: true, next: closeEpisode(state, event, key), value: { kind: "closed", episode } };
    },
    updateOptions(deps),
  );
  if (updated.kind === "contention") return { kind: "contention" };
  const step = updated.value;
  if (step.kind === "result") return { kind: "processed", result: step.result, outboxes: [] };
  await deps.store.delete(keys.open(stream));
  const closed = step.episode;
  const what = `recovered after ${runs(closed.failedRuns)}`;
  const outboxes: Enqueued[] = queued ?? [];
  if (outboxes.length > 0)
    return { kind: "processed", result: result("queued", what, key, stream), outboxes };
  const grouped = notify && announcedRoutes(closed).some((r) => r.delivery === "digest");
  const why = !notify
    ? "NOTIFY_RECOVERY=false"
    : closed.delivery === "muted"
      ? "the route is muted"
      : "the episode was folded";
  const quiet = grouped
    ? result("queued", `${what}; grouped into the next recovery digest`, key, stream)
    : result("suppressed", `${what}; no message (${why})`, key, stream);
  return { kind: "processed", result: quiet, outboxes: [] };
};

/**
 * The recovery follows the opening to every destination it went to: alone where the failure went alone
 * (after it, and in its thread with the Slack app, whose failure message is also updated in place to say
 * it recovered), into the recovery digest where the failure was in a digest. Returns what it enqueued.
 */
const queueRecovery = async (
  event: RunEvent,
  key: string,
  stream: string,
  episode: Episode,
  deps: PipelineDeps,
): Promise<Enqueued[]> => {
  const recovery = {
    id: episode.id,
    openedAt: episode.openedAt,
    failedRuns: episode.failedRuns,
    firstFailureUrl: episode.first.logsUrl,
  };
  const message = recoveryNotice(event, recovery, episode.first);
  const queued: Enqueued[] = [];
  for (const announced of announcedRoutes(episode)) {
    const { destination } = announced;
    if (announced.delivery === "digest") {
      // Written before the episode closes: a retry after a crash cannot be told from a first attempt, and
      // its digest may have gone out in between, so the trace is always checked.
      await writeDigestItem("recovery", event, stream, episode, destination, deps, true);
      continue;
    }
    const after = keys.outbox(episode.receivedAt, announced.openingId);
    const follow = followUpsOf(deps.config.routing, destination);
    const common = { at: deps.now(), after, cause: key, destination };
    queued.push(
      await enqueue(
        {
          ...common,
          id: `${episode.id}:recovered${announced.suffix}`,
          kind: "recovery",
          summary: summary("recovered", event),
          message,
          ...(follow.replies || follow.recoveryEdits ? { thread: announced.openingId } : {}),
        },
        deps,
      ),
    );
    if (follow.updateOnRecovery) {
      queued.push(
        await enqueue(
          {
            ...common,
            id: `${episode.id}:resolved${announced.suffix}`,
            kind: "update",
            summary: summary("marked recovered", event),
            message: updateNotice(episode.first, event, recovery),
            thread: announced.openingId,
            edit: true,
          },
          deps,
        ),
      );
    }
  }
  return queued;
};
