import { type FailureEvent, idempotencyKey } from "../event.ts";
import { describeError } from "../log.ts";
import { needsDetail } from "../why/needs-detail.ts";
import type { Episode } from "./episodes.ts";
import type { PipelineDeps } from "./pipeline.ts";
import { updateEpisode } from "./update-episode.ts";

/** Time kept after looking up what failed, for the outbox write and the ledger before Slack's call. */
const DETAIL_MARGIN_MS = 2_000;

/** When a lookup of what failed must end for a message that follows it to be sent before `deadline`. */
export const lookupDeadline = (deadline: number, deps: Pick<PipelineDeps, "slackTimeoutMs">): number =>
  deadline - deps.slackTimeoutMs - DETAIL_MARGIN_MS;

/**
 * The event with what failed, when a source can tell more than its webhook did. The lookup must end early
 * enough for the message to be sent before `deadline`, as it would have been without it.
 */
export const withDetail = async (
  event: FailureEvent,
  deps: PipelineDeps,
  deadline: number,
): Promise<FailureEvent> => {
  if (!deps.detailFailure || !needsDetail(event)) return event;
  try {
    return await deps.detailFailure(event, lookupDeadline(deadline, deps));
  } catch (error) {
    deps.log("warn", "failed job not looked up; the message goes without it", {
      key: idempotencyKey(event),
      ...describeError(error),
    });
    return event;
  }
};

/** What failed, written into the open episode's first event once it is known (one conditional write). */
export const rememberDetail = async (
  told: FailureEvent,
  stream: string,
  episode: Episode,
  deps: PipelineDeps,
) => {
  const failedAt = told.failedAt ?? null;
  if (failedAt === null || !needsDetail(episode.first) || told.failedAt === episode.first.failedAt) return;
  await updateEpisode(
    stream,
    episode,
    (open) => (needsDetail(open.first) ? { ...open, first: { ...open.first, failedAt } } : null),
    deps,
  );
};
