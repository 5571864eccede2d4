import { StoreUnavailableError } from "../errors.ts";
import { type FailureEvent, idempotencyKey, type RunEvent, streamKey } from "../event.ts";
import { matchRoute, type RouteInput } from "../routing/routes.ts";
import { readSilenceIndex } from "../silences/silence-index.ts";
import { conditionalUpdate, type Decision } from "../store/conditional-update.ts";
import type { Entry } from "../store/store.ts";
import { announce } from "./announce.ts";
import { waitsForRerun } from "./auto-rerun.ts";
import {
  countFailure,
  decideFailure,
  decideSuccess,
  type Episode,
  type EpisodeRoute,
  emptyStream,
  isOpen,
  type OpenStream,
  openEpisode,
  routeEpisode,
  type StreamState,
} from "./episodes.ts";
import { keys } from "./keys.ts";
import { foldingClaim, openerOf, parseLedger, stormDecision } from "./ledger.ts";
import type { PipelineDeps } from "./pipeline.ts";
import type { Verdict } from "./policy.ts";
import { parseStream } from "./records.ts";
import { announceRecovery, closeStream, rememberSuccess } from "./recovery.ts";
import { type Result, result, runs } from "./result.ts";

/**
 * Before the answer (docs/architecture.md, "One failure, from request to Slack"): the event's effect on
 * its stream is decided and written, and that write is what accepts it: the stream record is the inbox.
 * A failure reads its stream and, at the same time, the ledger of each destination its route names; the
 * episode it opens is routed (alone, in the storm digest, folded, muted) from those reads and written with
 * its routes in one conditional write. What is left, the messages, runs after the answer (`after`), or by
 * the sweep's scan when the invocation died: every step of it is idempotent.
 */
export interface Accepted {
  readonly result: Result;
  /** The work left for after the answer, with its own dependencies and deadline; null when none. */
  readonly after: ((deps: PipelineDeps, deadline: number) => Promise<Result>) | null;
}

/** Conditional writes of one stream before the answer: a stream changed this often leaves it to a retry. */
const ACCEPT_ATTEMPTS = 25;

/** A repeat of an event already recorded is a duplicate, unless its message still needs a send. */
const asDuplicate = (done: Result): Result => {
  if (done.held)
    return result("duplicate", "already handled; its message is being sent", done.key, done.stream);
  if (done.status === "notified" || done.status === "suppressed")
    return result("duplicate", "already handled; its message is sent", done.key, done.stream);
  if (done.status === "queued") return { ...done, reason: `already handled; ${done.reason}` };
  return done;
};

export const readStream = (stream: string) => (value: unknown) =>
  parseStream(value, stream) ?? emptyStream(stream);

export const routeInput = (event: RunEvent): RouteInput => ({
  site: event.site,
  branch: event.branch,
  source: event.source,
  workflow: event.workflow,
});

export const accept = (
  verdict: Exclude<Verdict, { kind: "ignored" }>,
  deps: PipelineDeps,
): Promise<Accepted> =>
  verdict.kind === "failure" ? acceptFailure(verdict.event, deps) : acceptSuccess(verdict.event, deps);

interface Routing {
  readonly delivery: "message" | "digest" | "folded" | "muted";
  readonly foldedInto: string | null;
  readonly routes: readonly EpisodeRoute[];
}

/**
 * Where a new episode goes, from the ledgers as read (pure): muted when ROUTES sends it nowhere; folded when
 * every destination holds the other source's claim on its commit; else, per destination, alone or in the
 * storm digest (src/pipeline/ledger.ts). "Alone" is confirmed after the answer by the ledger's conditional
 * write, which may still turn it into a digest item; "digest" is final (errors only go towards the digest).
 */
const routeOpening = (
  event: FailureEvent,
  episode: Episode,
  stream: string,
  ledgers: ReadonlyMap<string, Entry | null>,
  deps: PipelineDeps,
): Routing => {
  const destinations = [...ledgers.keys()];
  if (destinations.length === 0) return { delivery: "muted", foldedInto: null, routes: [] };
  const read = destinations.map((d) => parseLedger(ledgers.get(d)?.value ?? null));
  const claims = read.map((ledger) => foldingClaim(ledger, event, deps.now()));
  const [first] = claims;
  if (first && claims.every((claim) => claim !== null)) {
    return { delivery: "folded", foldedInto: first.stream, routes: [] };
  }
  const opener = openerOf(episode, stream);
  const routes = destinations.map((destination, i) => ({
    destination,
    delivery: stormDecision(read[i] ?? parseLedger(null), opener, deps.config),
  }));
  const delivery = routes.some((r) => r.delivery === "message") ? "message" : "digest";
  return { delivery, foldedInto: null, routes };
};

type FailureStep =
  | { readonly kind: "result"; readonly result: Result }
  /** This event opened the open episode earlier (a redelivery, a concurrent copy, a retry). */
  | { readonly kind: "replay"; readonly state: StreamState }
  | { readonly kind: "opened"; readonly state: OpenStream };

const acceptFailure = async (event: FailureEvent, deps: PipelineDeps): Promise<Accepted> => {
  const key = idempotencyKey(event);
  const stream = streamKey(event);
  // Arrival: the storm window and the digest's wait count from it, however slow the store and whoever
  // finishes the work.
  const arrivedAt = deps.now();
  const { destinations } = matchRoute(deps.config.routing.rules, routeInput(event));
  // The silences index in the same round trip: an opening's announcement needs it, and reading it
  // after the answer would delay the message (docs/architecture.md, "Silences").
  const [entry, silences, ...ledgerEntries] = await Promise.all([
    deps.store.get(keys.stream(stream)),
    destinations.length > 0 ? readSilenceIndex(deps.store) : Promise.resolve([]),
    ...destinations.map((d) => deps.store.get(keys.ledger(d))),
  ]);
  const ledgers = new Map(destinations.map((d, i) => [d, ledgerEntries[i] ?? null]));
  /** The etag of this invocation's write of the stream, for its first write after the answer. */
  let writtenEtag = "";
  const updated = await conditionalUpdate(
    deps.store,
    keys.stream(stream),
    readStream(stream),
    (state): Decision<FailureStep> => {
      const decision = decideFailure(state, event, key);
      const answer = (r: Result): Decision<FailureStep> => ({
        write: false,
        value: { kind: "result", result: r },
      });
      switch (decision.kind) {
        case "stale":
          return answer(result("suppressed", decision.reason, key, stream));
        case "already_applied":
          return answer(result("duplicate", "already counted in the open episode", key, stream));
        case "counted": {
          const next = countFailure(state, event, key);
          const { episode } = next;
          if (episode.autoRerun && waitsForRerun(episode)) {
            // Its automatic re-run failed too (or another run did): now it is announced, once.
            const autoRerun = { ...episode.autoRerun, failedAgain: true };
            const again = { ...next, episode: { ...episode, autoRerun } };
            return { write: true, next: again, value: { kind: "opened", state: again } };
          }
          const how = episode.delivery === "folded" ? "folded" : "counted";
          const reason = `${how}: episode open since ${episode.openedAt}, ${runs(episode.failedRuns)}`;
          return {
            write: true,
            next,
            value: { kind: "result", result: result("suppressed", reason, key, stream) },
          };
        }
        case "open": {
          if (decision.replay && state.episode && state.episode.delivery !== "pending") {
            return { write: false, value: { kind: "replay", state } };
          }
          const opened = decision.replay && isOpen(state) ? state : openEpisode(state, event, key, arrivedAt);
          const next = routeEpisode(opened, routeOpening(event, opened.episode, stream, ledgers, deps));
          return { write: true, next, value: { kind: "opened", state: next } };
        }
      }
    },
    {
      initial: entry,
      sleep: deps.sleep,
      attempts: ACCEPT_ATTEMPTS,
      onWritten: (etag) => {
        writtenEtag = etag;
      },
    },
  );
  if (updated.kind === "contention") {
    throw new StoreUnavailableError(
      "set",
      new Error(`stream ${stream} changed too often to record the event`),
    );
  }
  const step = updated.value;
  if (step.kind === "result") return { result: step.result, after: null };
  if (step.kind === "replay") {
    // A person's redelivery gives a refused message one more try; a copy finds the message under way.
    return {
      result: result(
        "duplicate",
        "already recorded; its messages are checked after this answer",
        key,
        stream,
      ),
      after: async (later, deadline) =>
        asDuplicate(
          await announce(step.state, later, deadline, { fresh: false, reviveDead: true, silences }),
        ),
    };
  }
  const { episode } = step.state;
  if (episode.delivery === "folded") {
    const sha = event.commit.sha?.slice(0, 7) ?? "";
    const why = `folded: commit ${sha} already announced by ${episode.foldedInto}`;
    return { result: result("suppressed", why, key, stream), after: null };
  }
  if (episode.delivery === "muted") {
    const rule = matchRoute(deps.config.routing.rules, routeInput(event)).rule?.number;
    const why = `muted: ROUTES sends this run nowhere${rule ? ` (rule ${rule})` : ""}`;
    return { result: result("suppressed", why, key, stream), after: null };
  }
  const what = episode.autoRerun?.failedAgain
    ? "failed again after an automatic re-run"
    : episode.delivery === "digest"
      ? "storm: grouped into the next digest"
      : "episode opened";
  return {
    result: result("accepted", `recorded (${what}); processing continues after this answer`, key, stream),
    after: (later, deadline) =>
      announce(step.state, later, deadline, {
        fresh: true,
        ledgers,
        silences,
        ...(writtenEtag === "" ? {} : { stream: { value: step.state, etag: writtenEtag } }),
      }),
  };
};

const acceptSuccess = async (event: RunEvent, deps: PipelineDeps): Promise<Accepted> => {
  const key = idempotencyKey(event);
  const stream = streamKey(event);
  // Every green run of every site comes here: one read before the answer, and a write only when it
  // closes an episode (before the answer) or is the stream's newest run (after it).
  const entry = await deps.store.get(keys.stream(stream));
  const state = readStream(stream)(entry?.value ?? null);
  const decision = decideSuccess(state, event);
  if (decision.kind === "stale")
    return { result: result("ignored", decision.reason, key, stream), after: null };
  if (decision.kind === "no_episode") {
    return {
      result: result("ignored", "success; no open episode", key, stream),
      after: (later, deadline) => rememberSuccess(event, entry, later, deadline),
    };
  }
  const closed = await closeStream(event, entry, deps, ACCEPT_ATTEMPTS);
  if (closed.kind === "result") return { result: closed.result, after: null };
  return {
    result: result(
      "accepted",
      `recorded (recovered after ${runs(closed.episode.failedRuns)}); processing continues after this answer`,
      key,
      stream,
    ),
    after: (later, deadline) => announceRecovery(closed, later, deadline, {}),
  };
};
