import type { FailureEvent, RunEvent } from "../event.ts";
import { isFailureEvent } from "../event.ts";

/**
 * What a message says, before any destination formats it (docs/architecture.md, "Destinations"): the
 * outbox stores a Notice and each destination kind turns it into its own markup at send time (Slack Block
 * Kit, a Teams card, Discord embeds, a signed JSON document). Plain JSON: it is stored as it is and read
 * back with src/destinations/notice-schema.ts.
 */
export type Notice = FailureNotice | RecoveryNotice | UpdateNotice | ReminderNotice | DigestNotice;

/**
 * A test message (`npm run doctor -- --send-test`), the same for every destination kind: each formats it as
 * a clearly marked test naming the destination. Sent directly, never written to the outbox: it is not a
 * Notice, so no outbox entry can hold one (src/destinations/kind.ts, OutboxMessage).
 */
export interface TestNotice {
  readonly notice: "test";
  /** The destination's name (`default`, `OPS`, `#channel`). */
  readonly destination: string;
  /** When it was sent (ms since the epoch). */
  readonly at: number;
  /** What sent it, in words a receiver can show. */
  readonly sentBy: string;
}

/** The episode a notice is about, as it stood (`id`: null for an episode of unknown id). */
export interface EpisodeRef {
  readonly id: string | null;
  readonly openedAt: string;
  readonly failedRuns: number;
}

/** The first failure of an episode. */
export interface FailureNotice {
  readonly notice: "failure";
  readonly event: FailureEvent;
  readonly episode: EpisodeRef;
  /** A Slack user id from SLACK_MENTIONS (src/routing/mentions.ts), for Slack kinds only; null: none. */
  readonly mention: string | null;
  /** This failure is an automatic re-run's, failed again (absent otherwise, and in entries written before). */
  readonly autoRerun?: AutoRerunNote | undefined;
}

/** What a failure that failed again after an automatic re-run says (docs/architecture.md, "Automatic re-runs"). */
export interface AutoRerunNote {
  readonly failedAgain: true;
  /** The AUTO_RERUN rule that re-ran it. */
  readonly rule: number;
  /** When vigie asked for the re-run (ISO 8601), when known. */
  readonly rerunAt: string | null;
}

/** The episode a recovery closes, as it stood. */
export interface RecoveredEpisode extends EpisodeRef {
  readonly firstFailureUrl: string | null;
}

/**
 * A failing stream passing again. `first` is the failure that opened the episode, when known: a kind that
 * edits the opening message in place (Discord) rewrites it from that.
 */
export interface RecoveryNotice {
  readonly notice: "recovery";
  readonly event: RunEvent;
  readonly episode: RecoveredEpisode;
  readonly first: FailureEvent | null;
}

/** Slack app: the opening failure message, rewritten in place once its stream recovered (chat.update). */
export interface UpdateNotice {
  readonly notice: "update";
  readonly first: FailureEvent;
  readonly event: RunEvent;
  readonly episode: RecoveredEpisode;
}

/** An episode still open after REMINDER_HOURS; `at` is when the sweep queued it (how long, up to then). */
export interface ReminderNotice {
  readonly notice: "reminder";
  readonly event: FailureEvent;
  readonly episode: EpisodeRef & { readonly lastFailureAt: string; readonly lastLogsUrl: string };
  readonly at: number;
}

/** One part of a storm's digest: at most DIGEST_SITES_PER_MESSAGE events (src/slack/digest.ts). */
export interface DigestNotice {
  readonly notice: "digest";
  readonly kind: "failure" | "recovery";
  readonly items: ReadonlyArray<{ readonly event: RunEvent; readonly episode: EpisodeRef }>;
  readonly part: { readonly index: number; readonly count: number; readonly totalSites: number };
}

export const failureNotice = (
  event: FailureEvent,
  episode: EpisodeRef,
  mention: string | null = null,
  autoRerun: AutoRerunNote | null = null,
): FailureNotice => ({ notice: "failure", event, episode, mention, ...(autoRerun ? { autoRerun } : {}) });

export const recoveryNotice = (
  event: RunEvent,
  episode: RecoveredEpisode,
  first: FailureEvent | null = null,
): RecoveryNotice => ({ notice: "recovery", event, episode, first });

export const updateNotice = (
  first: FailureEvent,
  event: RunEvent,
  episode: RecoveredEpisode,
): UpdateNotice => ({
  notice: "update",
  first,
  event,
  episode,
});

export const reminderNotice = (
  event: FailureEvent,
  episode: ReminderNotice["episode"],
  at: number,
): ReminderNotice => ({ notice: "reminder", event, episode, at });

export const testNotice = (
  destination: string,
  at: number,
  sentBy = "npm run doctor -- --send-test",
): TestNotice => ({ notice: "test", destination, at, sentBy });

/** One waiting item of a digest (the stored DigestItem of src/pipeline/storms.ts has these fields). */
export interface DigestEntry {
  readonly event: RunEvent;
  readonly episodeId: string;
  readonly episode: { readonly openedAt: string; readonly failedRuns: number; readonly firstLogsUrl: string };
}

/**
 * A digest groups its sites by what failed and why (failed step, error signature), with one excerpt per
 * group: the first event of each group keeps its jobs' excerpts, the others lose them (forty excerpts
 * would make one outbox entry weigh hundreds of KB, and every sweep reads it). Signatures stay.
 */
const oneExcerptPerGroup = (events: readonly RunEvent[]): RunEvent[] => {
  const seen = new Set<string>();
  return events.map((event) => {
    const jobs = event.failedAt?.jobs;
    if (!jobs?.some((job) => "excerpt" in job)) return event;
    const [first] = jobs;
    const group = `${first?.stage ?? ""}\n${first?.name ?? ""}\n${first?.step ?? ""}\n${first?.signature ?? ""}`;
    if (!seen.has(group)) {
      seen.add(group);
      return event;
    }
    const lean = jobs.map(({ excerpt: _excerpt, ...job }) => job);
    return { ...event, failedAt: { ...event.failedAt, jobs: lean } };
  });
};

/**
 * One part of a digest. A digest of one (the storm's tail, a lone recovery of a storm's site) reads better
 * as the ordinary message of its kind.
 */
export const digestNotice = (
  items: readonly DigestEntry[],
  kind: "failure" | "recovery",
  part: DigestNotice["part"],
): Notice => {
  const ref = (item: DigestEntry): EpisodeRef => ({
    id: item.episodeId,
    openedAt: item.episode.openedAt,
    failedRuns: item.episode.failedRuns,
  });
  const [only] = items;
  if (items.length === 1 && only) {
    return kind === "failure" && isFailureEvent(only.event)
      ? failureNotice(only.event, ref(only))
      : recoveryNotice(only.event, { ...ref(only), firstFailureUrl: only.episode.firstLogsUrl });
  }
  const events = oneExcerptPerGroup(items.map((item) => item.event));
  return {
    notice: "digest",
    kind,
    items: items.map((item, i) => ({ event: events[i] ?? item.event, episode: ref(item) })),
    part,
  };
};

/**
 * A Notice or a TestNotice, not a formatted Slack message (what outbox entries written before notices hold).
 */
export const isNotice = (message: object): message is Notice | TestNotice => "notice" in message;
