/**
 * A board's worth of state in a store, for `npm run render-board` (the README's picture) and
 * `npm run bench -- board` (500 open episodes): open episodes of the three sources as the pipeline writes
 * them (the stream record through episodes.ts, then the `open/` index), 30 days of history records, dead and
 * waiting outbox messages, and the sweep's last run. Deterministic for a given `now` and size.
 */

import { asFailure, githubEvent, gitlabEvent, netlifyEvent } from "../samples/events.ts";
import type { FailureEvent } from "../src/event.ts";
import {
  applyToDay,
  emptyDay,
  lastDays,
  MAX_RECOVERIES_PER_DAY,
  type Recovery,
} from "../src/history/history-day.ts";
import { emptyStream, openEpisode } from "../src/pipeline/episodes.ts";
import { keys } from "../src/pipeline/keys.ts";
import { newEntry } from "../src/pipeline/outbox.ts";
import type { Store } from "../src/store/store.ts";

const MIN = 60_000;
/** The index of today in lastDays(). */
const HISTORY_LAST = lastDays(0).length - 1;
const HOUR = 60 * MIN;

export interface BoardSize {
  /** Open episodes. */
  readonly open: number;
  /** Sites named in each day's history (bounded by MAX_SITES_PER_DAY in the record). */
  readonly sitesPerDay: number;
  /** Recoveries in each day's record. */
  readonly recoveriesPerDay: number;
  readonly deadMessages: number;
  readonly waitingMessages: number;
  /** Sites that recovered together an hour ago (the end of a storm): one folded row on the board. */
  readonly stormRecoveries?: number;
}

export const SCREENSHOT: BoardSize = {
  open: 7,
  sitesPerDay: 12,
  recoveriesPerDay: 2,
  deadMessages: 1,
  waitingMessages: 2,
  stormRecoveries: 12,
};
export const LARGE: BoardSize = {
  open: 500,
  sitesPerDay: 100,
  recoveriesPerDay: MAX_RECOVERIES_PER_DAY,
  deadMessages: 50,
  waitingMessages: 250,
};

const SITES = [
  "acme/shop",
  "acme/blog",
  "acme-docs",
  "acme/careers",
  "acme/press",
  "acme/status-page",
  "acme/events",
];
const siteName = (i: number) => SITES[i] ?? `acme/site-${String(i).padStart(3, "0")}`;

/** The i-th failure: GitHub with a failed step, Netlify with its error message, or GitLab with its job. */
const failure = (i: number, at: number): FailureEvent => {
  const occurredAt = new Date(at).toISOString();
  const site = siteName(i);
  if (i % 3 === 1)
    return asFailure(
      netlifyEvent({
        site: site.replace("/", "-"),
        siteId: `site-${i}`,
        deployId: `d${i}`,
        occurredAt,
        detail: "Failed during stage 'building site': Build script returned non-zero exit code: 2",
      }),
    );
  if (i % 3 === 2)
    return gitlabEvent({
      site,
      projectId: 100 + i,
      pipelineId: 5000 + i,
      occurredAt,
      startedAt: occurredAt,
    }) as FailureEvent;
  return asFailure(
    githubEvent({
      site,
      repository: site,
      runId: 9000 + i,
      workflowId: 7,
      occurredAt,
      branch: i === 0 ? "main" : i % 2 ? "main" : "theme-update",
      failedAt: {
        jobs: [
          {
            name: "build",
            stage: null,
            url: `https://github.com/${site}/actions/runs/${9000 + i}/job/1`,
            step: "Build site",
            error: "Error: Cannot find module 'theme/layouts/base.njk'",
          },
        ],
      },
    }),
  );
};

const streamKey = (event: FailureEvent): string =>
  `${event.source}:${event.site}:${event.workflow}:${event.branch ?? ""}`;

export const seedBoard = async (store: Store, now: number, size: BoardSize): Promise<void> => {
  const writes: Array<() => Promise<unknown>> = [];
  for (let i = 0; i < size.open; i++) {
    // Ages from 6 minutes to a few days: the oldest first on the board.
    const at = now - (6 * MIN + ((i * 7919) % (size.open > 10 ? 4000 : 30)) * 7 * MIN);
    const event = failure(i, at);
    const stream = streamKey(event);
    const opened = openEpisode(emptyStream(stream), event, `seed:${i}`, at);
    const state = {
      ...opened,
      episode: opened.episode && { ...opened.episode, failedRuns: 1 + (i % 4), delivery: "message" },
    };
    writes.push(
      () => store.set(keys.stream(stream), state),
      () => store.set(keys.open(stream), { v: 1, stream, episodeId: state.episode?.id }),
    );
  }
  for (const [d, day] of lastDays(now).entries()) {
    const dayStart = Date.parse(`${day}T00:00:00Z`);
    const wave = d === 12 ? 4 : d % 7 === 5 ? 2 : 1;
    const siteMs = new Map(
      Array.from(
        { length: size.sitesPerDay },
        // A few sites break often, most rarely: broken time falls off with the site's rank.
        (_, s) =>
          [siteName(s), Math.round((((s * 37 + d * 11) % 9) * 90 * MIN * wave) / (1 + s / 2))] as const,
      ).filter(([, ms]) => ms > 0),
    );
    const recoveries: Recovery[] = Array.from({ length: size.recoveriesPerDay }, (_, r) => {
      const closedAt = Math.min(
        now - MIN,
        dayStart + HOUR + r * ((22 * HOUR) / Math.max(1, size.recoveriesPerDay)),
      );
      return {
        site: siteName(size.open + r),
        source: r % 2 ? "netlify" : "github",
        branch: "main",
        workflow: r % 2 ? "Netlify build" : "Build and deploy",
        openedAt: closedAt - (20 + r) * MIN,
        closedAt,
        logsUrl: `https://github.com/acme/site/actions/runs/${d * 1000 + r}`,
      };
    });
    if (d === HISTORY_LAST) {
      const at = now - HOUR;
      for (let r = 0; r < (size.stormRecoveries ?? 0); r++)
        recoveries.push({
          site: `acme/theme-site-${r + 1}`,
          source: "github",
          branch: "main",
          workflow: "Build and deploy",
          openedAt: at - 40 * MIN,
          closedAt: at - r * 2_000,
          logsUrl: `https://github.com/acme/theme-site-${r + 1}/actions/runs/${r + 1}`,
        });
    }
    const opened = ((d * 5 + 3) % 7) * wave;
    writes.push(() =>
      store.set(
        keys.history(day),
        applyToDay(emptyDay(day), { opened, closed: Math.max(0, opened - 1), siteMs, recoveries }),
      ),
    );
  }
  const message = { text: "seed", blocks: [], unfurl_links: false as const, unfurl_media: false as const };
  for (let i = 0; i < size.deadMessages + size.waitingMessages; i++) {
    const at = now - (i + 1) * MIN;
    const entry = newEntry(
      {
        id: `seed-${i}`,
        kind: "failure",
        summary: `failure: ${siteName(i)} Build and deploy`,
        message,
        cause: null,
        after: null,
      },
      at,
    );
    const dead = i < size.deadMessages;
    writes.push(() =>
      store.set(
        keys.outbox(at, `seed-${i}`),
        dead
          ? { ...entry, state: "dead", attempts: 1, lastError: "http 404: channel_not_found" }
          : {
              ...entry,
              attempts: i % 2,
              nextAttemptAt: now + MIN,
              lastError: i % 2 ? "http 503: service unavailable" : null,
            },
      ),
    );
  }
  writes.push(() => store.set(keys.sweepStatus, { v: 1, at: now - 40_000, report: {} }));
  // A few at a time: a local Blobs server is no faster than the real one at many parallel writes.
  for (let i = 0; i < writes.length; i += 20)
    await Promise.all(writes.slice(i, i + 20).map((write) => write()));
};
