import type { Config } from "../config.ts";
import type { FailedAt } from "../event.ts";
import { type HistoryDay, lastDays, parseHistoryDay, type Recovery } from "../history/history-day.ts";
import { readOpenEpisode } from "../history/read-open-episode.ts";
import { announcedRoutes, type Episode } from "../pipeline/episodes.ts";
import { keys, PREFIX } from "../pipeline/keys.ts";
import { parseLease, parseOutboxEntry, parseThread } from "../pipeline/records.ts";
import { FLAKY_KEY, flakyBySite } from "../pipeline/sweep/flaky-counts.ts";
import { passedOnRerunBySite } from "../rerun/passed-on-rerun.ts";
import { isChannel } from "../routing/routing.ts";
import type { Store } from "../store/store.ts";
import { failureSignature } from "../why/failure-signature.ts";
import { isDryRun } from "./dry-run.ts";
import { type ActionsReport, readSilencesAndAcks } from "./read-silences.ts";

/**
 * What `GET /status` reports, as JSON and as the board (render-status.ts): whether the configuration is
 * sound (variable names only, never a value), the outbox (waiting, retrying, dead with the reason and what
 * to do), the open episodes with what failed, the recoveries of the last 24 h, when the sweep last ran, and
 * 30 days of history (src/history/). Reads are bounded: beyond the limits the counts of keys stay exact,
 * and `truncated` says what was not read.
 */
export interface OpenEpisode {
  readonly stream: string;
  readonly site: string;
  readonly source: string;
  readonly branch: string | null;
  readonly workflow: string;
  /** When the first failed run finished (ISO). */
  readonly since: string;
  readonly failedRuns: number;
  readonly lastFailureAt: string;
  readonly failed: {
    readonly outcome: string;
    readonly detail: string | null;
    readonly jobs: FailedAt["jobs"];
  };
  readonly logsUrl: string;
  /** The Slack message, when the episode keeps a link to it (Slack app mode); null otherwise. */
  readonly slackUrl: string | null;
  /** The failure's error signature, when the store has one: the board groups episodes that share it. */
  readonly signature?: string | null;
  /** AUTO_RERUN: re-run automatically, nobody told yet ("waiting"), or announced after it failed too. */
  readonly autoRerun?: "waiting" | "failed again" | "refused";
}

export interface DeadMessage {
  readonly summary: string;
  readonly kind: string;
  readonly createdAt: string;
  readonly reason: string;
  readonly advice: string;
}

export interface StatusReport {
  readonly generatedAt: string;
  readonly config: { readonly valid: boolean; readonly problems: readonly string[] };
  /** Some message would be printed instead of sent (the default destination is a dry run): src/status/dry-run.ts. */
  readonly dryRun: boolean;
  readonly outbox: {
    /** Messages not sent yet (pending or being sent), among those read. */
    readonly waiting: number;
    /** Of the waiting ones, those that failed at least once and wait for their next attempt. */
    readonly retrying: number;
    readonly dead: number;
    readonly deadMessages: readonly DeadMessage[];
    /** Every outbox key, sent ones included (kept a day). */
    readonly total: number;
    readonly truncated: boolean;
  };
  readonly episodes: {
    readonly open: number;
    /** Oldest first. */
    readonly list: readonly OpenEpisode[];
    readonly truncated: boolean;
  };
  /** Episodes closed in the last 24 h, newest first (as the sweep's history step recorded them). */
  readonly recoveries: ReadonlyArray<
    Omit<Recovery, "openedAt" | "closedAt"> & { openedAt: string; closedAt: string }
  >;
  readonly sweep: { readonly lastRunAt: string | null; readonly stale: boolean };
  readonly history: {
    /** The last 30 UTC days, oldest first. */
    readonly days: ReadonlyArray<{ readonly day: string; readonly opened: number; readonly closed: number }>;
    /** Broken time over those days, the worst sites first. */
    readonly sites: ReadonlyArray<{ readonly site: string; readonly brokenMs: number }>;
    /**
     * Per site over those days: episodes opened (broken), closed by a run of the same commit (flaky), and
     * of those, passed on an automatic re-run (nothing was posted). The most broken first.
     */
    readonly flaky?: ReadonlyArray<{
      readonly site: string;
      readonly broken: number;
      readonly flaky: number;
      readonly passedOnRerun: number;
    }>;
  };
  /** Active silences and acknowledgements (src/status/read-silences.ts). */
  readonly actions?: ActionsReport;
}

/**
 * Bounds: a status read must answer within a synchronous function's 60 s
 * (https://docs.netlify.com/build/functions/configuration) even with thousands of keys: with 500 open
 * episodes it is about 830 reads in 17 waves (the board's figures in BENCHMARKS.md).
 */
export const MAX_OUTBOX_READS = 300;
export const MAX_EPISODES_LISTED = 500;
export const MAX_DEAD_LISTED = 50;
export const MAX_RECOVERIES_LISTED = 100;
export const WORST_SITES = 20;
/** The sweep runs every minute: five without one is worth a warning. */
export const SWEEP_STALE_MS = 5 * 60_000;
const PARALLEL_READS = 50;
const DAY_MS = 86_400_000;

const readAll = async <T>(keysToRead: readonly string[], read: (key: string) => Promise<T>): Promise<T[]> => {
  const results: T[] = [];
  for (let i = 0; i < keysToRead.length; i += PARALLEL_READS) {
    results.push(...(await Promise.all(keysToRead.slice(i, i + PARALLEL_READS).map(read))));
  }
  return results;
};

/** What an operator can do about a dead message, from Slack's reason (https://api.slack.com/messaging/webhooks#handling_errors). */
export const deadAdvice = (reason: string): string => {
  if (/gave up after/.test(reason))
    return "Slack kept failing for days: check https://slack-status.com and the destination URL; redeliver the event to send it again.";
  if (/invalid_payload|http 400/.test(reason))
    return "Slack refused the message itself: report it as a vigie bug, with this summary.";
  if (
    /channel_not_found|channel_is_archived|no_service|invalid_token|team_disabled|action_prohibited|http 40[34]|http 410/.test(
      reason,
    )
  )
    return "The destination no longer accepts posts: create a new incoming webhook (or unarchive the channel), set its URL in SLACK_WEBHOOK_URL (or the route's variable), then redeliver the event.";
  return "Check the function log line for this message; redeliver the event to send it again.";
};

/**
 * The episode's failure message in Slack, when the Slack app posted it to a channel (`threads/<opening id>`,
 * kept for its thread): a link shaped like chat.getPermalink's answer
 * (https://api.slack.com/methods/chat.getPermalink), on slack.com, which opens the reader's own workspace.
 * Episodes announced by incoming webhooks have no such record, and cost no read.
 */
const slackLink = async (store: Store, episode: Episode): Promise<string | null> => {
  const opening = announcedRoutes(episode).find(
    (route) => route.delivery === "message" && isChannel(route.destination),
  );
  if (!opening) return null;
  const thread = parseThread(await store.read(keys.thread(opening.openingId)));
  if (!thread || !/^[A-Z0-9]+$/.test(thread.channel) || !/^\d+\.\d+$/.test(thread.ts)) return null;
  return `https://slack.com/archives/${thread.channel}/p${thread.ts.replace(".", "")}`;
};

export const readStatus = async (store: Store, config: Config, now: number): Promise<StatusReport> => {
  const days = lastDays(now);
  const [outboxKeys, openKeys, sweepEntry, dayEntries, actions, flakyEntry, passedOnRerun] =
    await Promise.all([
      store.list(PREFIX.outbox),
      store.list(PREFIX.open),
      store.read(keys.sweepStatus),
      Promise.all(days.map(async (day) => parseHistoryDay(await store.read(keys.history(day)), day))),
      readSilencesAndAcks(store, now),
      store.read(FLAKY_KEY),
      passedOnRerunBySite(store, now),
    ]);
  // Outbox keys sort by time: the newest are read when there are too many.
  const outboxRead = outboxKeys.slice(-MAX_OUTBOX_READS);
  const entries = (await readAll(outboxRead, async (key) => parseOutboxEntry(await store.read(key)))).filter(
    (entry) => entry !== null,
  );
  const waiting = entries.filter((entry) => entry.state === "pending" || entry.state === "sending");
  const dead = entries.filter((entry) => entry.state === "dead");

  const openRead = openKeys.slice(0, MAX_EPISODES_LISTED);
  const episodes = (
    await readAll(openRead, async (key) => {
      const found = await readOpenEpisode(store, key);
      return found && { ...found, slackUrl: await slackLink(store, found.episode) };
    })
  ).filter((item) => item !== null);

  const history = dayEntries.map(
    (day, i) =>
      day ??
      ({
        day: days[i] ?? "",
        opened: 0,
        closed: 0,
        sites: [],
        othersMs: 0,
        recoveries: [],
      } satisfies Omit<HistoryDay, "v">),
  );
  const brokenBySite = new Map<string, number>();
  for (const day of history)
    for (const { site, ms } of day.sites) brokenBySite.set(site, (brokenBySite.get(site) ?? 0) + ms);

  const sweepAt = parseLease(sweepEntry).at;
  return {
    actions,
    generatedAt: new Date(now).toISOString(),
    config: {
      valid: config.problems.length === 0,
      problems: [...new Set(config.problems.map((problem) => problem.variable))],
    },
    dryRun: isDryRun(config.routing),
    outbox: {
      waiting: waiting.length,
      retrying: waiting.filter((entry) => entry.attempts > 0).length,
      dead: dead.length,
      deadMessages: dead
        .slice(-MAX_DEAD_LISTED)
        .reverse()
        .map((entry) => {
          const reason = entry.lastError ?? "unknown";
          return {
            summary: entry.summary,
            kind: entry.kind,
            createdAt: new Date(entry.createdAt).toISOString(),
            reason,
            advice: deadAdvice(reason),
          };
        }),
      total: outboxKeys.length,
      truncated: outboxKeys.length > outboxRead.length,
    },
    episodes: {
      open: openKeys.length,
      list: episodes
        .map(({ stream, episode, slackUrl }) => ({
          stream,
          site: episode.first.site,
          source: episode.first.source,
          branch: episode.first.branch,
          workflow: episode.first.workflow,
          since: episode.openedAt,
          failedRuns: episode.failedRuns,
          lastFailureAt: episode.lastFailureAt,
          failed: {
            outcome: episode.first.outcome,
            detail: episode.first.detail,
            jobs: episode.first.failedAt?.jobs ?? [],
          },
          signature: failureSignature(episode.first.failedAt),
          logsUrl: episode.lastLogsUrl,
          slackUrl,
          ...(episode.autoRerun ? { autoRerun: autoRerunState(episode.autoRerun) } : {}),
        }))
        .sort((a, b) => Date.parse(a.since) - Date.parse(b.since) || a.stream.localeCompare(b.stream)),
      truncated: openKeys.length > openRead.length,
    },
    recoveries: history
      .slice(-2)
      .flatMap((day) => day.recoveries)
      .filter((recovery) => recovery.closedAt > now - DAY_MS)
      .sort((a, b) => b.closedAt - a.closedAt)
      .slice(0, MAX_RECOVERIES_LISTED)
      .map((recovery) => ({
        ...recovery,
        openedAt: new Date(recovery.openedAt).toISOString(),
        closedAt: new Date(recovery.closedAt).toISOString(),
      })),
    sweep: {
      lastRunAt: sweepAt > 0 ? new Date(sweepAt).toISOString() : null,
      stale: sweepAt === 0 || now - sweepAt > SWEEP_STALE_MS,
    },
    history: {
      days: history.map(({ day, opened, closed }) => ({ day, opened, closed })),
      sites: [...brokenBySite]
        .map(([site, brokenMs]) => ({ site, brokenMs }))
        .sort((a, b) => b.brokenMs - a.brokenMs || a.site.localeCompare(b.site))
        .slice(0, WORST_SITES),
      flaky: flakyBySite(flakyEntry, now)
        .slice(0, WORST_SITES)
        .map((row) => ({ ...row, passedOnRerun: passedOnRerun.get(row.site) ?? 0 })),
    },
  };
};

const autoRerunState = (mark: NonNullable<Episode["autoRerun"]>): NonNullable<OpenEpisode["autoRerun"]> =>
  mark.failedAgain ? "failed again" : mark.refused ? "refused" : "waiting";
