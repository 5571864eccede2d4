import { followUpsOf } from "../destinations/follow-ups.ts";
import { type FailureEvent, idempotencyKey } from "../event.ts";
import { describeError } from "../log.ts";
import { firstExcerpt } from "../slack/failed-at.ts";
import { formatExcerptReply } from "../slack/format.ts";
import { needsDetail } from "../why/needs-detail.ts";
import { type DeliverOutcome, deliver, enqueue } from "./deliver.ts";
import { lookupDeadline, rememberDetail } from "./detail.ts";
import { summary } from "./digest-items.ts";
import type { Episode } from "./episodes.ts";
import { excerptMessages } from "./messages.ts";
import type { PipelineDeps } from "./pipeline.ts";
import { parseOutboxEntry } from "./records.ts";

/** A lookup is worth starting only with this much time left before its end. */
const MIN_LOOKUP_MS = 1_000;
/** Each lookup takes at most EXCERPT_WAIT_MS (src/sources/detail-failure.ts): a few fill the budget. */
const MAX_LOOKUPS = 3;

/**
 * Slack app mode: the failure message went without its log excerpt, which the message could not wait for
 * (docs/architecture.md, "Why it failed"). The log is looked up again within what is left of the processing
 * budget (`deadline`) and, when an excerpt comes, it follows as ONE reply in the message's thread, after it
 * (`after`), under an id made from the episode (src/pipeline/messages.ts): a replay finds the reply it wrote.
 * Webhook-mode Slack, Teams, Discord and JSON get no reply. What the later lookup found is kept in the
 * episode (its signature groups the board). Nothing is read or written when the excerpt came in time.
 * `told`: the event as its failure message told it.
 */
export const followWithExcerpt = async (
  stream: string,
  episode: Episode,
  told: FailureEvent,
  deps: PipelineDeps,
  deadline: number,
): Promise<DeliverOutcome[]> => {
  const lookUp = deps.detailFailure;
  if (lookUp === undefined || firstExcerpt(told) !== null || !needsDetail(told)) return [];
  const planned = excerptMessages(episode, (destination) => followUpsOf(deps.config.routing, destination));
  if (planned.length === 0) return [];
  const until = lookupDeadline(deadline, deps);
  let later = told;
  for (let n = 0; n < MAX_LOOKUPS && needsDetail(later) && until - deps.now() >= MIN_LOOKUP_MS; n++) {
    try {
      later = await lookUp(later, until);
    } catch (error) {
      deps.log("warn", "log excerpt not looked up again; no thread reply", {
        key: idempotencyKey(told),
        ...describeError(error),
      });
      break;
    }
  }
  if (later === told) return [];
  const reply = formatExcerptReply(later);
  const outcomes: DeliverOutcome[] = [];
  if (reply !== null) {
    for (const message of planned) {
      // Only where the failure message was written (not where its episode went to a digest meanwhile),
      // and never after a dead one: there is no thread to reply in.
      const opening = parseOutboxEntry(await deps.store.read(message.after ?? ""));
      if (opening === null || opening.state === "dead") continue;
      const enqueued = await enqueue(
        {
          at: message.at,
          id: message.id,
          kind: message.kind,
          summary: summary("why it failed", later),
          message: reply,
          cause: episode.openedBy,
          after: message.after ?? null,
          destination: message.destination,
          thread: message.thread ?? null,
        },
        deps,
      );
      deps.log("info", "the log excerpt came after the failure message: it follows in its thread", {
        key: episode.openedBy,
        destination: message.destination,
        written: enqueued.written !== null,
      });
      outcomes.push(await deliver(enqueued, deps, { deadline }));
    }
  }
  await rememberDetail(later, stream, episode, deps);
  return outcomes;
};
