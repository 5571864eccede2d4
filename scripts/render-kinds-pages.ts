import { failureNotice, recoveryNotice } from "../src/destinations/notice.ts";
import type { FailureEvent, RunEvent } from "../src/event.ts";
import { discordPage, teamsPage } from "./render-kinds.ts";

/**
 * The README's pictures of the other kinds, for render-messages.ts: the failure as a Teams card and a
 * Discord embed, the recovery as Teams' own card and as the Discord message edited in place.
 */
export const kindPages = (
  failure: FailureEvent,
  recovery: RunEvent,
  openedAt: string,
): Array<{ name: string; source: string }> => {
  const episode = { id: "episode", openedAt, failedRuns: 3 };
  const failed = failureNotice(failure, episode);
  const recovered = recoveryNotice(recovery, { ...episode, firstFailureUrl: failure.logsUrl }, failure);
  const later = new Date(Date.parse(recovery.occurredAt) + 2000).toISOString();
  const posted = new Date(Date.parse(failure.occurredAt) + 2000).toISOString();
  return [
    { name: "teams-failure", source: teamsPage(failed, posted) },
    { name: "teams-recovery", source: teamsPage(recovered, later) },
    { name: "discord-failure", source: discordPage(failed, posted) },
    { name: "discord-recovery", source: discordPage(recovered, later, true) },
  ];
};
