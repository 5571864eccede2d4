import type { FollowUps } from "../destinations/kind.ts";
import type { Episode, EpisodeRoute } from "./episodes.ts";
import { keys } from "./keys.ts";
import type { MessageKind } from "./outbox.ts";

/**
 * What each episode transition posts, to which destination, under which id: the one place where message
 * ids are made (docs/architecture.md, "Messages and their ids"). Ids derive from the episode and the
 * destination only, so a retried or replayed transition finds the outbox entry it wrote before instead of
 * adding a second one. What later messages do with the opening (a thread, an edit in place) is the
 * destination kind's (`follow`: src/destinations/follow-ups.ts). Pure: the pipeline and the sweep enqueue
 * what these plans say.
 */
export type Follow = (destination: string) => FollowUps;
/** The destinations an episode was announced to, and the ids of its messages there. */
export interface AnnouncedRoute extends EpisodeRoute {
  /** Outbox id of its failure message to this destination (the thread, in Slack app mode). */
  readonly openingId: string;
  /** Suffix of its other messages' ids for this destination. */
  readonly suffix: string;
}

export const announcedRoutes = (episode: Episode): AnnouncedRoute[] => {
  if (episode.routes === undefined) {
    // Opened before routing: one webhook, ids without a destination.
    if (episode.delivery === "folded" || episode.delivery === "muted") return [];
    const delivery = episode.delivery === "digest" ? "digest" : "message";
    return [{ destination: "default", delivery, openingId: `${episode.id}:open`, suffix: "" }];
  }
  return episode.routes.map((route) => ({
    ...route,
    openingId: `${episode.id}:open:${route.destination}`,
    suffix: `:${route.destination}`,
  }));
};

export interface PlannedMessage {
  /** Outbox key (`outbox/<time>-<hash of id>`), ordered by time. */
  readonly key: string;
  readonly id: string;
  readonly kind: MessageKind;
  readonly destination: string;
  readonly at: number;
  /** Outbox key of the message this one must follow (a recovery follows its failure message). */
  readonly after?: string;
  /** Slack app: the opening id whose thread this goes in (or whose message it updates, with `edit`). */
  readonly thread?: string;
  readonly startsThread?: true;
  readonly edit?: true;
}

/** The failure message to each destination the episode was announced in alone. */
export const openingMessages = (episode: Episode, follow: Follow): PlannedMessage[] =>
  announcedRoutes(episode)
    .filter((route) => route.delivery === "message")
    .map((route) => ({
      key: keys.outbox(episode.receivedAt, route.openingId),
      id: route.openingId,
      kind: "failure",
      destination: route.destination,
      at: episode.receivedAt,
      ...(follow(route.destination).keepsOpening ? { startsThread: true as const } : {}),
    }));

/**
 * The recovery where the failure went alone: a message after it (in its thread with the Slack app, whose
 * failure message is also updated in place; Discord's edits its opening). `at`: when the closing success
 * arrived.
 */
export const recoveryMessages = (episode: Episode, at: number, follow: Follow): PlannedMessage[] =>
  announcedRoutes(episode)
    .filter((route) => route.delivery === "message")
    .flatMap((route): PlannedMessage[] => {
      const after = keys.outbox(episode.receivedAt, route.openingId);
      const recovered = `${episode.id}:recovered${route.suffix}`;
      const kind = follow(route.destination);
      const thread = kind.replies || kind.recoveryEdits ? { thread: route.openingId } : {};
      const common = { destination: route.destination, at, after };
      const recovery: PlannedMessage = {
        ...common,
        ...thread,
        key: keys.outbox(at, recovered),
        id: recovered,
        kind: "recovery",
      };
      if (!kind.updateOnRecovery) return [recovery];
      const resolved = `${episode.id}:resolved${route.suffix}`;
      return [
        recovery,
        {
          ...common,
          key: keys.outbox(at, resolved),
          id: resolved,
          kind: "update",
          thread: route.openingId,
          edit: true,
        },
      ];
    });

/**
 * Slack app: the log excerpt that came after the failure message, as one reply in its thread, to every
 * destination whose opening went alone and is replied to (docs/architecture.md, "Why it failed"). Its key
 * takes the opening's time, so that a replay, whenever it runs, finds the reply it wrote.
 */
export const excerptMessages = (episode: Episode, follow: Follow): PlannedMessage[] =>
  announcedRoutes(episode)
    .filter((route) => route.delivery === "message" && follow(route.destination).replies)
    .map((route) => {
      const id = `${episode.id}:excerpt${route.suffix}`;
      return {
        key: keys.outbox(episode.receivedAt, id),
        id,
        kind: "excerpt",
        destination: route.destination,
        at: episode.receivedAt,
        after: keys.outbox(episode.receivedAt, route.openingId),
        thread: route.openingId,
      };
    });

/** The episode's next reminder to every destination its opening went to (alone or in a digest). */
export const reminderMessages = (episode: Episode, now: number, follow: Follow): PlannedMessage[] =>
  announcedRoutes(episode).map((route) => {
    const id = `${episode.id}:reminder:${episode.reminders}${route.suffix}`;
    const threaded = route.delivery === "message" && follow(route.destination).replies;
    return {
      key: keys.outbox(now, id),
      id,
      kind: "reminder",
      destination: route.destination,
      at: now,
      ...(threaded ? { thread: route.openingId } : {}),
    };
  });

/** Where the episode waits in a destination's storm digest, for its opening or its recovery. */
export const digestItemKey = (destination: string, episode: Episode, kind: "failure" | "recovery"): string =>
  keys.digest(destination, episode.receivedAt, `${episode.id}:${kind}`);
