/**
 * `npm run send -- <sample> --show KIND`: what each destination kind would receive for a sample, printed
 * without sending anything (src/destinations/). The sample's run is a normalised fixture event
 * (samples/events.ts) of the sample's source; `--count N` shows the digest of N such sites.
 */

import { githubEvent, gitlabEvent, netlifyEvent } from "../samples/events.ts";
import { discordKind } from "../src/destinations/discord-kind.ts";
import { jsonKind } from "../src/destinations/json-kind.ts";
import type { DestinationKind } from "../src/destinations/kind.ts";
import { digestNotice, failureNotice, type Notice, recoveryNotice } from "../src/destinations/notice.ts";
import { mattermostKind, slackWebhookKind } from "../src/destinations/slack-kinds.ts";
import { teamsKind } from "../src/destinations/teams-kind.ts";
import type { FailureEvent, RunEvent } from "../src/event.ts";

export const SHOWN_KINDS: Readonly<Record<string, DestinationKind>> = {
  slack: slackWebhookKind as DestinationKind,
  mattermost: mattermostKind as DestinationKind,
  teams: teamsKind as DestinationKind,
  discord: discordKind as DestinationKind,
  json: jsonKind as DestinationKind,
};

const failedAt = {
  jobs: [
    {
      name: "build",
      stage: null,
      url: "https://github.com/acme/site-1/actions/runs/1001/job/5",
      step: "Run hugo --minify",
      error: 'template "partials/header" not defined',
    },
  ],
};

/** The failed run of a sample's source, on site `n` (for a digest). */
const failedRun = (sample: string, n: number): FailureEvent => {
  if (sample.startsWith("netlify")) return netlifyEvent({ site: `acme-docs-${n}` }) as FailureEvent;
  if (sample.startsWith("gitlab"))
    return gitlabEvent({ site: `acme/docs-${n}`, pipelineId: 1_000 + n }) as FailureEvent;
  const repository = `acme/site-${n}`;
  return githubEvent({
    repository,
    site: repository,
    runId: 1000 + n,
    outcome: sample === "timed_out" ? "timed_out" : "failure",
    failedAt,
  }) as FailureEvent;
};

/** The notice a sample would cause, or null for a sample that stays silent. */
const noticeOf = (sample: string, count: number): Notice | null => {
  if (/cancel|skipped|ping/.test(sample)) return null;
  const success = sample.endsWith("success");
  const episode = { id: "episode-1", openedAt: "2026-11-27T10:00:00Z", failedRuns: 2 };
  const runs = Array.from({ length: count }, (_, i) => failedRun(sample, i + 1));
  if (count > 1) {
    return digestNotice(
      runs.map((event, i) => ({
        event: success ? ({ ...event, outcome: "success" } as RunEvent) : event,
        episodeId: `episode-${i + 1}`,
        episode: { openedAt: episode.openedAt, failedRuns: 1, firstLogsUrl: event.logsUrl },
      })),
      success ? "recovery" : "failure",
      { index: 0, count: 1, totalSites: count },
    );
  }
  const [first] = runs as [FailureEvent];
  if (!success) return failureNotice(first, episode);
  const passed = { ...first, outcome: "success", occurredAt: "2026-11-27T12:30:00Z" } as RunEvent;
  return recoveryNotice(passed, { ...episode, firstFailureUrl: first.logsUrl }, first);
};

/** Prints what `kind` (or every kind, `all`) would receive; false when the kind is unknown. */
export const showKinds = (sample: string, kind: string, count: number): boolean => {
  const kinds = kind === "all" ? Object.keys(SHOWN_KINDS) : [kind];
  if (!kinds.every((name) => name in SHOWN_KINDS)) return false;
  const notice = noticeOf(sample, count);
  if (notice === null) {
    console.log(`${sample}: vigie stays silent, no destination receives anything.`);
    return true;
  }
  for (const name of kinds) {
    const shown = SHOWN_KINDS[name] as DestinationKind;
    console.log(`── ${name} (${shown.limits})`);
    console.log(JSON.stringify(shown.format(notice, "episode-1:open:NAME"), null, 2));
  }
  return true;
};
