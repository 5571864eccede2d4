import { array, custom, literal, nullable, number, object, optional, string, union } from "zod/mini";
import { isFailureEvent } from "../event.ts";
import { runEventSchema } from "../event-schema.ts";
import type { Block } from "../slack/message.ts";
import type { OutboxMessage } from "./kind.ts";
import type { Notice } from "./notice.ts";

/**
 * The stored form of a Notice (src/destinations/notice.ts), parsed when an outbox entry is read back: a
 * notice that does not parse makes its entry unreadable (null), like any other record.
 */
const ref = { id: nullable(string()), openedAt: string(), failedRuns: number() };
const episodeRef = object(ref);
const recovered = object({ ...ref, firstFailureUrl: nullable(string()) });

const noticeSchema = union([
  object({
    notice: literal("failure"),
    event: runEventSchema,
    episode: episodeRef,
    mention: nullable(string()),
    autoRerun: optional(object({ failedAgain: literal(true), rule: number(), rerunAt: nullable(string()) })),
  }),
  object({
    notice: literal("recovery"),
    event: runEventSchema,
    episode: recovered,
    first: nullable(runEventSchema),
  }),
  object({ notice: literal("update"), first: runEventSchema, event: runEventSchema, episode: recovered }),
  object({
    notice: literal("reminder"),
    event: runEventSchema,
    episode: object({ ...ref, lastFailureAt: string(), lastLogsUrl: string() }),
    at: number(),
  }),
  object({
    notice: literal("digest"),
    kind: union([literal("failure"), literal("recovery")]),
    items: array(object({ event: runEventSchema, episode: episodeRef })),
    part: object({ index: number(), count: number(), totalSites: number() }),
  }),
]);

/** A stored notice, or null when it does not parse or a failure's event is not a failure. */
export const parseNotice = (value: unknown): Notice | null => {
  const parsed = noticeSchema.safeParse(value);
  if (!parsed.success) return null;
  const notice = parsed.data;
  switch (notice.notice) {
    case "failure":
    case "reminder":
      return isFailureEvent(notice.event) ? { ...notice, event: notice.event } : null;
    case "update":
      return isFailureEvent(notice.first) ? { ...notice, first: notice.first } : null;
    case "recovery":
      return notice.first === null || isFailureEvent(notice.first)
        ? { ...notice, first: notice.first }
        : null;
    case "digest":
      return notice;
  }
};

/** Slack messages are vigie's own output: checked for their outer shape, blocks passed as they are. */
const slackMessageSchema = object({
  text: string(),
  blocks: array(custom<Block>((block) => typeof block === "object" && block !== null && "type" in block)),
  unfurl_links: literal(false),
  unfurl_media: literal(false),
});

/**
 * What an outbox entry holds: a Notice, or, in entries written before notices, a formatted Slack message
 * (sent as it is to Slack kinds). null when it is neither.
 */
export const parseOutboxMessage = (value: unknown): OutboxMessage | null => {
  if (typeof value === "object" && value !== null && "notice" in value) return parseNotice(value);
  const slack = slackMessageSchema.safeParse(value);
  return slack.success ? slack.data : null;
};
