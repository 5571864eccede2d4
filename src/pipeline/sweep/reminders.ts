import { reminderNotice } from "../../destinations/notice.ts";
import { matchSilence } from "../../silences/match-silence.ts";
import type { Silence } from "../../silences/silence-record.ts";
import { readAck } from "../../slack-actions/ack-record.ts";
import { conditionalUpdate, type Decision } from "../../store/conditional-update.ts";
import { followOf } from "../announce.ts";
import { enqueue } from "../deliver.ts";
import { type Episode, markReminded, reminderDue } from "../episodes.ts";
import { keys } from "../keys.ts";
import { reminderMessages } from "../messages.ts";
import type { PipelineDeps } from "../pipeline.ts";
import { parseStream } from "../records.ts";
import type { OpenEpisode } from "./scan.ts";

/**
 * One reminder per REMINDER_HOURS for each episode still open, to every destination its opening went to
 * (with the Slack app, in the failure message's thread). Which episodes are due comes from the scan's
 * record: only those are read. None for a silenced stream, nor for an episode someone acknowledged ("I'm
 * on it"): its turn is marked all the same, so that it is looked at again only at the next one.
 */
export const queueReminders = async (
  deps: PipelineDeps,
  open: readonly OpenEpisode[],
  silences: readonly Silence[],
): Promise<number> => {
  const hours = deps.config.reminderHours;
  if (hours <= 0) return 0;
  const now = deps.now();
  let queued = 0;
  for (const candidate of open) {
    if (!candidate.announced || now - candidate.remindedAt < hours * 3_600_000) continue;
    const { stream } = candidate;
    const target = {
      site: candidate.site,
      branch: candidate.branch || null,
      source: candidate.source,
      stream,
    };
    const quiet =
      matchSilence(silences, target, now) !== null ||
      (await readAck(deps.store, candidate.episodeId)) !== null;
    const updated = await conditionalUpdate(
      deps.store,
      keys.stream(stream),
      (value) => parseStream(value, stream),
      (state): Decision<Episode | null> => {
        if (!state?.episode || !reminderDue(state.episode, hours, now)) return { write: false, value: null };
        const next = markReminded(state, now);
        return { write: true, next, value: next.episode ?? null };
      },
      { attempts: 3 },
    );
    if (updated.kind !== "done" || updated.value === null || quiet) continue;
    const episode = updated.value;
    const message = reminderNotice(
      episode.first,
      {
        id: episode.id,
        openedAt: episode.openedAt,
        failedRuns: episode.failedRuns,
        lastFailureAt: episode.lastFailureAt,
        lastLogsUrl: episode.lastLogsUrl,
      },
      now,
    );
    for (const planned of reminderMessages(episode, now, followOf(deps))) {
      await enqueue(
        {
          at: planned.at,
          id: planned.id,
          kind: "reminder",
          summary: `still failing: ${episode.first.site} ${episode.first.workflow}`,
          message,
          cause: null,
          destination: planned.destination,
          ...(planned.thread ? { thread: planned.thread } : {}),
        },
        deps,
      );
    }
    queued++;
  }
  return queued;
};
