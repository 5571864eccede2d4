import {
  array,
  boolean,
  type infer as Infer,
  literal,
  nullable,
  number,
  object,
  optional,
  string,
  union,
  unknown,
} from "zod/mini";
import { parseOutboxMessage } from "../destinations/notice-schema.ts";
import { isFailureEvent } from "../event.ts";
import { runEventSchema } from "../event-schema.ts";
import { fieldOf } from "../field-of.ts";
import type { Episode, StreamState } from "./episodes.ts";
import type { MessageKind, OutboxEntry } from "./outbox.ts";
import type { DigestItem } from "./storms.ts";

/**
 * Every record vigie reads back from the store is parsed with the schema that defines it, never cast:
 * a record written by an older version, truncated, or not ours reads as "missing" (null) instead of
 * travelling on with the wrong shape. The key of each record and its lifetime: docs/architecture.md.
 */

const runOrderSchema = object({
  startedAt: number(),
  number: number(),
  attempt: number(),
  finishedAt: number(),
});

const episodeSchema = object({
  id: string(),
  openedBy: string(),
  openedAt: string(),
  receivedAt: number(),
  failedRuns: number(),
  lastFailureAt: string(),
  lastLogsUrl: string(),
  first: runEventSchema,
  delivery: union([
    literal("pending"),
    literal("message"),
    literal("digest"),
    literal("folded"),
    literal("muted"),
  ]),
  foldedInto: nullable(string()),
  remindedAt: number(),
  reminders: number(),
  routes: optional(
    array(object({ destination: string(), delivery: union([literal("message"), literal("digest")]) })),
  ),
  /** Re-run automatically before anyone was told (src/pipeline/auto-rerun.ts). */
  autoRerun: optional(
    object({
      rule: number(),
      at: number(),
      key: string(),
      runId: number(),
      attempt: number(),
      failedAgain: optional(boolean()),
      refused: optional(boolean()),
    }),
  ),
});

const streamSchema = object({
  v: literal(1),
  stream: string(),
  episode: nullable(episodeSchema),
  /** Absent from records written before runs were ordered. */
  latest: optional(
    nullable(
      object({
        key: string(),
        order: runOrderSchema,
        outcome: union([literal("failure"), literal("success")]),
      }),
    ),
  ),
  lastClosed: nullable(
    object({
      episodeId: string(),
      closedAt: string(),
      closedBy: string(),
      receivedAt: optional(number()),
      episode: optional(episodeSchema),
      event: optional(runEventSchema),
    }),
  ),
  recent: array(string()),
  transitions: optional(
    array(
      object({
        seq: number(),
        kind: union([literal("open"), literal("close")]),
        episodeId: string(),
        at: number(),
        openedAt: number(),
        site: string(),
        source: string(),
        branch: string(),
        workflow: string(),
        logsUrl: string(),
        sameCommit: optional(boolean()),
      }),
    ),
  ),
});

/** A stream record, or null when it is missing, of another stream, or unreadable. */
/**
 * Records written before `RunEvent.pipeline` was renamed `workflow` (it named a workflow, and clashed with
 * src/pipeline/) still read: the old field is carried over. Nothing else of the event changes.
 */
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const upgradeEvent = (event: unknown): unknown =>
  isObject(event) && !("workflow" in event) && typeof event.pipeline === "string"
    ? { ...event, workflow: event.pipeline }
    : event;
const withEvent = (value: unknown, field: string): unknown =>
  isObject(value) && field in value ? { ...value, [field]: upgradeEvent(value[field]) } : value;

/** A stream record read by a scan, which knows its key but not its stream's name: the record names it. */
export const parseAnyStream = (value: unknown): StreamState | null => {
  const named = fieldOf(value, "stream");
  return typeof named === "string" ? parseStream(value, named) : null;
};

/** A stored episode whose first event is a failure (as every episode's is), or null. */
const asEpisode = (stored: Infer<typeof episodeSchema>): Episode | null => {
  const { first, ...rest } = stored;
  return isFailureEvent(first) ? { ...rest, first } : null;
};

export const parseStream = (value: unknown, stream: string): StreamState | null => {
  const upgraded = isObject(value) ? withEvent(value.episode, "first") : undefined;
  const parsed = streamSchema.safeParse(
    isObject(value) && upgraded ? { ...value, episode: upgraded } : value,
  );
  if (!parsed.success || parsed.data.stream !== stream) return null;
  const { episode: stored, latest, lastClosed, transitions, ...rest } = parsed.data;
  const episode = stored ? asEpisode(stored) : null;
  if (stored && !episode) return null;
  const closedEpisode = lastClosed?.episode ? asEpisode(lastClosed.episode) : null;
  return {
    ...rest,
    latest: latest ?? null,
    episode,
    lastClosed: lastClosed
      ? {
          episodeId: lastClosed.episodeId,
          closedAt: lastClosed.closedAt,
          closedBy: lastClosed.closedBy,
          ...(lastClosed.receivedAt === undefined ? {} : { receivedAt: lastClosed.receivedAt }),
          ...(closedEpisode ? { episode: closedEpisode } : {}),
          ...(lastClosed.event ? { event: lastClosed.event } : {}),
        }
      : null,
    ...(transitions === undefined ? {} : { transitions }),
  };
};

export const RESULT_STATUSES = [
  "notified",
  "queued",
  "accepted",
  "duplicate",
  "ignored",
  "suppressed",
  "failed",
] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

/** The index of open episodes (`open/<stream key>`). */
const openIndexSchema = object({ v: literal(1), stream: string(), episodeId: optional(string()) });
export const parseOpenIndex = (value: unknown): { stream: string } | null => {
  const parsed = openIndexSchema.safeParse(value);
  return parsed.success ? { stream: parsed.data.stream } : null;
};

const digestItemSchema = object({
  v: literal(1),
  /** Absent from items written before routing (then `default`). */
  destination: optional(string()),
  kind: union([literal("failure"), literal("recovery")]),
  event: runEventSchema,
  stream: string(),
  episodeId: string(),
  episode: object({ openedAt: string(), failedRuns: number(), firstLogsUrl: string() }),
  at: number(),
});
export const parseDigestItem = (value: unknown): DigestItem | null => {
  const parsed = digestItemSchema.safeParse(withEvent(value, "event"));
  if (!parsed.success) return null;
  const { destination, ...item } = parsed.data;
  return { ...item, destination: destination ?? "default" };
};

const MESSAGE_KINDS: readonly MessageKind[] = [
  "failure",
  "recovery",
  "reminder",
  "digest",
  "update",
  "excerpt",
];
const outboxSchema = object({
  v: literal(1),
  id: string(),
  kind: union(MESSAGE_KINDS.map((kind) => literal(kind))),
  summary: string(),
  message: unknown(),
  state: union([literal("pending"), literal("sending"), literal("sent"), literal("dead")]),
  attempts: number(),
  createdAt: number(),
  nextAttemptAt: number(),
  leaseUntil: number(),
  lastError: nullable(string()),
  sentAt: nullable(number()),
  cause: nullable(string()),
  after: optional(nullable(string())),
  /** Set when the last attempt timed out: Slack may still have posted it (docs/architecture.md). */
  timedOut: optional(boolean()),
  /** Absent from entries written before routing (then `default`). */
  destination: optional(string()),
  startsThread: optional(boolean()),
  thread: optional(nullable(string())),
  edit: optional(boolean()),
});
export const parseOutboxEntry = (value: unknown): OutboxEntry | null => {
  const parsed = outboxSchema.safeParse(value);
  if (!parsed.success) return null;
  const { message: stored, after, timedOut, destination, startsThread, thread, edit, ...rest } = parsed.data;
  const message = parseOutboxMessage(stored);
  if (message === null) return null;
  return {
    ...rest,
    message,
    after: after ?? null,
    ...(timedOut === undefined ? {} : { timedOut }),
    ...(destination === undefined ? {} : { destination }),
    ...(startsThread === undefined ? {} : { startsThread }),
    ...(thread === undefined ? {} : { thread }),
    ...(edit === undefined ? {} : { edit }),
  };
};

/** `threads/<opening message id>`: where the Slack app posted an episode's failure message. */
const threadSchema = object({ v: literal(1), channel: string(), ts: string(), at: number() });
export type ThreadRecord = Infer<typeof threadSchema>;
export const parseThread = (value: unknown): ThreadRecord | null => {
  const parsed = threadSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
};

/** `locks/sweep` and `locks/prune`: a lease's end, or the last time something ran. */
const leaseSchema = object({ v: literal(1), until: optional(number()), at: optional(number()) });
export const parseLease = (value: unknown): { until: number; at: number } => {
  const parsed = leaseSchema.safeParse(value);
  return {
    until: parsed.success ? (parsed.data.until ?? 0) : 0,
    at: parsed.success ? (parsed.data.at ?? 0) : 0,
  };
};
