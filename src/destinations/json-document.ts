import type { RunEvent } from "../event.ts";
import { elapsed } from "../slack/blocks.ts";
import type { KindMessage } from "./kind.ts";
import { type EpisodeRef, isNotice } from "./notice.ts";
import { excerptOf } from "./view.ts";

/**
 * The JSON document of a notice, for any HTTP receiver (docs/webhook-events.md, with its JSON Schema in
 * docs/webhook-events.schema.json). Versioned: `version` changes only when a field changes meaning or goes
 * away; fields may be added within a version. Built field by field: nothing internal travels by accident.
 */
export const WEBHOOK_EVENTS_VERSION = 1;

export type WebhookEventType =
  | "vigie.failure"
  | "vigie.recovery"
  | "vigie.reminder"
  | "vigie.digest"
  | "vigie.test";

export interface WebhookEvent {
  readonly type: WebhookEventType;
  readonly version: typeof WEBHOOK_EVENTS_VERSION;
  /** The message's idempotency key, also `webhook-id`: the same at every retry. */
  readonly id: string;
  /**
   * When what it tells happened (ISO 8601): the run's end, the reminder's time, a digest's latest run. The
   * same at every retry, like the whole document.
   */
  readonly timestamp: string;
  readonly data: Record<string, unknown>;
}

/** What a run or deploy came to, as documented (the source's own ids under `run`). */
export const documentEvent = (event: RunEvent): Record<string, unknown> => ({
  source: event.source,
  site: event.site,
  siteUrl: event.siteUrl,
  workflow: event.workflow,
  branch: event.branch,
  context: event.context,
  outcome: event.outcome,
  detail: event.detail,
  logsUrl: event.logsUrl,
  actor: event.actor,
  attempt: event.attempt,
  startedAt: event.startedAt ?? null,
  occurredAt: event.occurredAt,
  commit: {
    sha: event.commit.sha,
    message: event.commit.message,
    url: event.commit.url,
    author: event.commit.author,
  },
  failedAt:
    event.failedAt?.jobs.map((job) => ({
      name: job.name,
      stage: job.stage,
      step: job.step,
      url: job.url,
      error: job.error,
      excerpt: excerptOf(job),
    })) ?? [],
  run:
    event.source === "github"
      ? {
          repository: event.repository,
          workflowId: event.workflowId,
          runId: event.runId,
          runNumber: event.runNumber,
        }
      : event.source === "netlify"
        ? { siteId: event.siteId, deployId: event.deployId }
        : { projectId: event.projectId, pipelineId: event.pipelineId, ref: event.ref, tag: event.tag },
});

const episodeOf = (episode: EpisodeRef, extra: Record<string, unknown> = {}) => ({
  id: episode.id,
  openedAt: episode.openedAt,
  failedRuns: episode.failedRuns,
  ...extra,
});

/**
 * The document of an outbox message or a test notice; `id` is its idempotency key. A message written before
 * notices (a Slack message) has no document: null.
 */
export const jsonDocument = (message: KindMessage, id: string): WebhookEvent | null => {
  if (!isNotice(message)) return null;
  const at = (iso: string) => ({ version: WEBHOOK_EVENTS_VERSION, id, timestamp: iso }) as const;
  switch (message.notice) {
    case "failure":
      return {
        type: "vigie.failure",
        ...at(message.event.occurredAt),
        data: {
          event: documentEvent(message.event),
          episode: episodeOf(message.episode),
          autoRerun: message.autoRerun
            ? { failedAgain: true, rule: message.autoRerun.rule, rerunAt: message.autoRerun.rerunAt }
            : null,
        },
      };
    case "recovery":
    case "update": {
      const { event, episode } = message;
      return {
        type: "vigie.recovery",
        ...at(event.occurredAt),
        data: {
          event: documentEvent(event),
          episode: episodeOf(episode, {
            closedAt: event.occurredAt,
            brokenForMs: elapsed(episode.openedAt, Date.parse(event.occurredAt)),
            firstFailureUrl: episode.firstFailureUrl,
          }),
          firstFailure: message.first === null ? null : documentEvent(message.first),
        },
      };
    }
    case "reminder": {
      const { event, episode } = message;
      return {
        type: "vigie.reminder",
        ...at(new Date(message.at).toISOString()),
        data: {
          event: documentEvent(event),
          episode: episodeOf(episode, {
            lastFailureAt: episode.lastFailureAt,
            lastLogsUrl: episode.lastLogsUrl,
            failingForMs: elapsed(episode.openedAt, message.at),
          }),
        },
      };
    }
    case "digest":
      return {
        ...at(
          message.items
            .map((item) => item.event.occurredAt)
            .sort()
            .at(-1) ?? "",
        ),
        type: "vigie.digest",
        data: {
          kind: message.kind,
          part: { index: message.part.index, count: message.part.count },
          totalSites: message.part.totalSites,
          items: message.items.map((item) => ({
            event: documentEvent(item.event),
            episode: episodeOf(item.episode),
          })),
        },
      };
    case "test":
      return {
        type: "vigie.test",
        ...at(new Date(message.at).toISOString()),
        data: { destination: message.destination, sentBy: message.sentBy },
      };
  }
};
