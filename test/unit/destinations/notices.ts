import { asFailure, githubEvent, gitlabEvent, netlifyEvent } from "../../../samples/events.ts";
import {
  digestNotice,
  failureNotice,
  type Notice,
  recoveryNotice,
  reminderNotice,
  updateNotice,
} from "../../../src/destinations/notice.ts";
import type { FailureEvent, RunEvent } from "../../../src/event.ts";

/** Text a payload may carry to ping, link, format or call a function in some receiver's markup. */
export const HOSTILE =
  "@everyone <@123456> <!channel> <at>Boss</at> [click](https://evil.example) **bold** # Heading\n- item {{DATE(2017-02-14T06:00:00Z)}} ```` `x` <script>";

export const failing = (overrides: Parameters<typeof githubEvent>[0] = {}): FailureEvent =>
  asFailure(
    githubEvent({
      failedAt: {
        jobs: [
          {
            name: "build",
            stage: null,
            url: "https://github.com/acme/site-1/actions/runs/1001/job/5",
            step: "Run hugo --minify",
            error: 'template "partials/header" not defined',
            // Another part of vigie adds log excerpts to failed jobs; the formats read them when present.
            excerpt: ["ERROR render of page failed", 'error: template "partials/header" not defined'],
          } as never,
        ],
      },
      ...overrides,
    }),
  );

export const passing = (overrides: Parameters<typeof githubEvent>[0] = {}): RunEvent =>
  githubEvent({ outcome: "success", occurredAt: "2026-11-27T12:30:00Z", ...overrides });

const episode = { id: "ep-1", openedAt: "2026-11-27T10:00:00Z", failedRuns: 3 };
const recovered = { ...episode, firstFailureUrl: "https://github.com/acme/site-1/actions/runs/1001" };

/** One notice of every kind (a digest of `sites` sites). */
export const everyNotice = (event: FailureEvent = failing(), sites = 3): Record<string, Notice> => ({
  failure: failureNotice(event, episode, "U0ADA0001"),
  netlify: failureNotice(asFailure(netlifyEvent()), episode),
  gitlab: failureNotice(gitlabEvent() as FailureEvent, episode),
  recovery: recoveryNotice(passing({ site: event.site }), recovered, event),
  update: updateNotice(event, passing({ site: event.site }), recovered),
  reminder: reminderNotice(
    event,
    {
      ...episode,
      lastFailureAt: "2026-11-27T11:00:00Z",
      lastLogsUrl: "https://github.com/acme/site-1/actions/runs/1009",
    },
    Date.parse("2026-11-28T10:00:00Z"),
  ),
  digest: digest(sites, event.site),
  recoveryDigest: digest(sites, event.site, "recovery"),
});

/** A digest part of `sites` sites named `<prefix>-<n>`. */
export const digest = (
  sites: number,
  prefix = "acme/site",
  kind: "failure" | "recovery" = "failure",
): Notice =>
  digestNotice(
    Array.from({ length: sites }, (_, n) => {
      const run =
        kind === "failure"
          ? failing({ site: `${prefix}-${n}`, runId: 5000 + n })
          : passing({ site: `${prefix}-${n}`, runId: 5000 + n });
      return {
        event: run,
        episodeId: `ep-${n}`,
        episode: { openedAt: "2026-11-27T10:00:00Z", failedRuns: 1, firstLogsUrl: run.logsUrl },
      };
    }),
    kind,
    { index: 0, count: 1, totalSites: sites },
  );
