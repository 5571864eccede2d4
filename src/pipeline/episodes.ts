import { compareRuns, type FailureEvent, type RunEvent, type RunOrder, runOrder } from "../event.ts";
import { hash } from "./keys.ts";
import { msOf, type Transition, transition, withTransition } from "./transitions.ts";

export { type AnnouncedRoute, announcedRoutes } from "./messages.ts";
export type { Transition } from "./transitions.ts";

/**
 * Episodes, after Alertmanager's alerts: the first failure of a stream opens an episode and notifies,
 * further failures are counted, a success closes it with one "recovered" message. Pure functions:
 * state × event → next state and a decision; the pipeline does the I/O and the conditional write.
 */

/**
 * How an episode's opening is announced. "pending" between the write that opens the episode and the
 * routing decision (folding, storm) that follows it; a replay of the opening event routes it again.
 * "message": alone to at least one destination (see `routes`); "digest": only in storm digests;
 * "muted": ROUTES sends it nowhere (`none`).
 */
export type Delivery = "pending" | "message" | "digest" | "folded" | "muted";

/** One destination of an episode: its storm decided, per destination, whether it went alone or grouped. */
export interface EpisodeRoute {
  readonly destination: string;
  readonly delivery: "message" | "digest";
}

export interface Episode {
  readonly id: string;
  /** Idempotency key of the failure that opened it (a replay of that key gives the same decision). */
  readonly openedBy: string;
  /** When the first failed run finished (payload time). */
  readonly openedAt: string;
  /** When vigie received it (clock), for reminders and outbox ordering. */
  readonly receivedAt: number;
  readonly failedRuns: number;
  readonly lastFailureAt: string;
  readonly lastLogsUrl: string;
  readonly first: FailureEvent;
  readonly delivery: Delivery;
  /** Why it was folded (the other source's stream), when delivery is "folded". */
  readonly foldedInto: string | null;
  /** Last time a person was told about it (opening, digest or reminder). */
  readonly remindedAt: number;
  readonly reminders: number;
  /**
   * Where its opening went, recorded when routed: its reminders and recovery follow it there, whatever
   * ROUTES says by then. Absent from episodes opened before routing (then the one default webhook).
   */
  readonly routes?: readonly EpisodeRoute[] | undefined;
  /**
   * Its first failure was re-run automatically (AUTO_RERUN) and nobody was told: the stream's next result
   * decides (docs/architecture.md, "Automatic re-runs"). `failedAgain`: it failed too and was announced.
   */
  readonly autoRerun?: AutoRerunMark | undefined;
}

export interface AutoRerunMark {
  /** The AUTO_RERUN rule that matched. */
  readonly rule: number;
  readonly at: number;
  /** Idempotency key of the failure re-run; the run (GitHub, GitLab) and attempt it was. */
  readonly key: string;
  readonly runId: number;
  readonly attempt: number;
  readonly failedAgain?: boolean | undefined;
  /** The provider refused the re-run (or did not answer): announced at once, as without AUTO_RERUN. */
  readonly refused?: boolean | undefined;
}

/** The newest completed run a stream has seen, whatever order deliveries came in. */
export interface LatestRun {
  readonly key: string;
  readonly order: RunOrder;
  readonly outcome: "failure" | "success";
}

export interface StreamState {
  readonly v: 1;
  readonly stream: string;
  readonly episode: Episode | null;
  /**
   * Decisions follow the runs' own order, not the order deliveries arrive in: a result older than this
   * never opens, closes or reopens an episode (docs/architecture.md, "Order"). Null before the first.
   */
  readonly latest: LatestRun | null;
  readonly lastClosed: LastClosed | null;
  /** Idempotency keys applied most recently, so a replayed event changes nothing. */
  readonly recent: readonly string[];
  /**
   * Its newest openings and closings, newest last (at most TRANSITIONS): the board's history is counted
   * from them, so an episode that opens and closes between two sweeps still counts. Absent from records
   * of earlier versions.
   */
  readonly transitions?: readonly Transition[];
}

export const RECENT_KEYS = 50;

export const emptyStream = (stream: string): StreamState => ({
  v: 1,
  stream,
  episode: null,
  latest: null,
  lastClosed: null,
  recent: [],
});

export type FailureDecision =
  /** Opens an episode; `replay` when this key opened it before (crash recovery, takeover). */
  | { readonly kind: "open"; readonly replay: boolean }
  | { readonly kind: "counted"; readonly episode: Episode }
  /** A run older than the success that closed the last episode: changes nothing. */
  | { readonly kind: "stale"; readonly reason: string }
  | { readonly kind: "already_applied"; readonly episode: Episode | null };

const remember = (recent: readonly string[], key: string): string[] =>
  [...recent.filter((k) => k !== key), key].slice(-RECENT_KEYS);

const before = (a: string, b: string): boolean => Date.parse(a) < Date.parse(b);

/** True when `event` is newer than every completed run the stream has seen. */
export const isNewest = (state: StreamState, event: RunEvent): boolean =>
  state.latest === null || compareRuns(runOrder(event), state.latest.order) > 0;

const latestOf = (state: StreamState, event: RunEvent, key: string, outcome: LatestRun["outcome"]) =>
  isNewest(state, event) ? { key, order: runOrder(event), outcome } : state.latest;

const staleReason = (state: StreamState, event: RunEvent): string =>
  state.latest
    ? `run started ${event.startedAt ?? event.occurredAt}, before the newest result already seen (${state.latest.outcome}, started ${new Date(state.latest.order.startedAt).toISOString()})`
    : `run finished at ${event.occurredAt}, before the success at ${state.lastClosed?.closedAt} that closed the last episode`;

/** What a failure would do to the stream, before routing (fold / storm) is known. */
export const decideFailure = (state: StreamState, event: FailureEvent, key: string): FailureDecision => {
  const { episode } = state;
  if (episode?.openedBy === key) return { kind: "open", replay: true };
  if (state.recent.includes(key)) return { kind: "already_applied", episode };
  // An open episode counts every failure, older ones included: counting never opens or closes anything.
  if (episode) return { kind: "counted", episode };
  if (!isNewest(state, event)) return { kind: "stale", reason: staleReason(state, event) };
  // Records written before `latest` existed: the closing success's time is all there is to compare.
  if (state.latest === null && state.lastClosed && before(event.occurredAt, state.lastClosed.closedAt)) {
    return { kind: "stale", reason: staleReason(state, event) };
  }
  return { kind: "open", replay: false };
};

export const episodeId = (stream: string, openedBy: string): string => hash(`${stream}\n${openedBy}`, 24);

export const openEpisode = (
  state: StreamState,
  event: FailureEvent,
  key: string,
  now: number,
): OpenStream => {
  const episode: Episode = {
    id: episodeId(state.stream, key),
    openedBy: key,
    openedAt: event.occurredAt,
    receivedAt: now,
    failedRuns: 1,
    lastFailureAt: event.occurredAt,
    lastLogsUrl: event.logsUrl,
    first: event,
    delivery: "pending",
    foldedInto: null,
    remindedAt: now,
    reminders: 0,
  };
  return {
    ...state,
    episode,
    latest: latestOf(state, event, key, "failure"),
    recent: remember(state.recent, key),
    transitions: withTransition(state, transition("open", episode, msOf(event.occurredAt, now))),
  };
};

/** Records how the opening was announced, once routed. */
/** A stream whose episode is open: what opening, counting and routing return. */
export type OpenStream = StreamState & { readonly episode: Episode };

export const isOpen = (state: StreamState): state is OpenStream => state.episode !== null;

export const routeEpisode = (
  state: OpenStream,
  routing: {
    delivery: Exclude<Delivery, "pending">;
    foldedInto: string | null;
    routes?: readonly EpisodeRoute[];
  },
): OpenStream => ({ ...state, episode: { ...state.episode, ...routing } });

export const countFailure = (state: StreamState, event: FailureEvent, key: string): OpenStream => {
  const { episode } = state;
  if (!episode) throw new Error("countFailure needs an open episode");
  const later = before(episode.lastFailureAt, event.occurredAt);
  return {
    ...state,
    episode: {
      ...episode,
      failedRuns: episode.failedRuns + 1,
      lastFailureAt: later ? event.occurredAt : episode.lastFailureAt,
      lastLogsUrl: later ? event.logsUrl : episode.lastLogsUrl,
    },
    latest: latestOf(state, event, key, "failure"),
    recent: remember(state.recent, key),
  };
};

export type SuccessDecision =
  | { readonly kind: "recovered"; readonly episode: Episode }
  /** No episode open: the success is remembered as the newest run, so that an older failure stays silent. */
  | { readonly kind: "no_episode" }
  /** A success older than a result already seen (late delivery, redelivery): changes nothing. */
  | { readonly kind: "stale"; readonly reason: string };

export const decideSuccess = (state: StreamState, event: RunEvent): SuccessDecision => {
  const { episode } = state;
  if (!isNewest(state, event)) {
    return {
      kind: "stale",
      reason: `success ${state.latest?.order && compareRuns(runOrder(event), state.latest.order) === 0 ? "already seen" : staleReason(state, event)}`,
    };
  }
  if (!episode) return { kind: "no_episode" };
  // Records written before `latest` existed: compare with the failure that opened the episode.
  if (state.latest === null && before(event.occurredAt, episode.openedAt)) {
    return {
      kind: "stale",
      reason: `success finished at ${event.occurredAt}, before the failure at ${episode.openedAt} that opened the episode`,
    };
  }
  return { kind: "recovered", episode };
};

/** A newer success with no episode open: only remembered. */
export const recordSuccess = (state: StreamState, event: RunEvent, key: string): StreamState => ({
  ...state,
  latest: latestOf(state, event, key, "success"),
  recent: remember(state.recent, key),
});

/** The episode that a stream's last success closed, as its recovery messages need it. */
export interface LastClosed {
  readonly episodeId: string;
  readonly closedAt: string;
  readonly closedBy: string;
  /** When the closing success arrived: the time of its recovery messages' outbox keys. */
  readonly receivedAt?: number;
  /** The closed episode and the success that closed it, for a retry of its recovery. */
  readonly episode?: Episode;
  readonly event?: RunEvent;
}

export const closeEpisode = (
  state: StreamState,
  event: RunEvent,
  key: string,
  receivedAt?: number,
): StreamState => {
  const { episode } = state;
  if (!episode) throw new Error("closeEpisode needs an open episode");
  const sameCommit = event.commit.sha !== null && event.commit.sha === episode.first.commit.sha;
  const at = msOf(event.occurredAt, receivedAt ?? episode.receivedAt);
  return {
    ...state,
    episode: null,
    latest: latestOf(state, event, key, "success"),
    lastClosed: {
      episodeId: episode.id,
      closedAt: event.occurredAt,
      closedBy: key,
      ...(receivedAt === undefined ? {} : { receivedAt, episode, event }),
    },
    recent: remember(state.recent, key),
    transitions: withTransition(state, transition("close", episode, at, sameCommit)),
  };
};

/** Reminder due: an open, announced episode not talked about for `reminderHours`. */
export const reminderDue = (episode: Episode, reminderHours: number, now: number): boolean =>
  reminderHours > 0 &&
  episode.delivery !== "folded" &&
  episode.delivery !== "muted" &&
  now - episode.remindedAt >= reminderHours * 3_600_000;

export const markReminded = (state: StreamState, now: number): StreamState => {
  if (!state.episode) throw new Error("markReminded needs an open episode");
  return { ...state, episode: { ...state.episode, remindedAt: now, reminders: state.episode.reminders + 1 } };
};
