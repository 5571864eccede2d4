import { isChannel } from "../routing/routing.ts";
import { announcedRoutes, type Episode } from "./episodes.ts";
import { keys } from "./keys.ts";
import type { MessageKind } from "./outbox.ts";

/**
 * What each episode transition posts, to which destination, under which id: the one place where message
 * ids are made (docs/architecture.md, "Messages and their ids"). Ids derive from the episode and the
 * destination only, so a retried or replayed transition finds the outbox entry it wrote before instead of
 * adding a second one. Pure: the pipeline and the sweep format and enqueue what these plans say.
 */
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
export const openingMessages = (episode: Episode): PlannedMessage[] =>
  announcedRoutes(episode)
    .filter((route) => route.delivery === "message")
    .map((route) => ({
      key: keys.outbox(episode.receivedAt, route.openingId),
      id: route.openingId,
      kind: "failure",
      destination: route.destination,
      at: episode.receivedAt,
      ...(isChannel(route.destination) ? { startsThread: true as const } : {}),
    }));

/**
 * The recovery where the failure went alone: a message after it (in its thread with the Slack app, whose
 * failure message is also updated in place). `at`: when the closing success arrived.
 */
export const recoveryMessages = (episode: Episode, at: number): PlannedMessage[] =>
  announcedRoutes(episode)
    .filter((route) => route.delivery === "message")
    .flatMap((route): PlannedMessage[] => {
      const after = keys.outbox(episode.receivedAt, route.openingId);
      const recovered = `${episode.id}:recovered${route.suffix}`;
      const common = { destination: route.destination, at, after };
      if (!isChannel(route.destination)) {
        return [{ ...common, key: keys.outbox(at, recovered), id: recovered, kind: "recovery" }];
      }
      const resolved = `${episode.id}:resolved${route.suffix}`;
      return [
        {
          ...common,
          key: keys.outbox(at, recovered),
          id: recovered,
          kind: "recovery",
          thread: route.openingId,
        },
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

/** The episode's next reminder to every destination its opening went to (alone or in a digest). */
export const reminderMessages = (episode: Episode, now: number): PlannedMessage[] =>
  announcedRoutes(episode).map((route) => {
    const id = `${episode.id}:reminder:${episode.reminders}${route.suffix}`;
    const threaded = route.delivery === "message" && isChannel(route.destination);
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
