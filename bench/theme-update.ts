/**
 * The theme update scenario (bench/theme-plan.ts) through the storm simulator (bench/simulator.ts), and
 * its figures: answer times (client side) against hello-world's, 5xx answers, store calls per decision
 * (the `storeCalls` of each "delivery" log line, and of each "processed" line when vigie processes after
 * the answer), Slack messages by kind, and the expectations (PASS/FAIL, bench/theme-report.ts): every
 * failing site named, no green or cancelled-only site named, the storm's bound, nothing doubled. A
 * measurement, not a test: it never fails the run.
 */
import { simulate } from "./simulator.ts";
import {
  counts,
  isFailureMessage,
  type MessageKind,
  msOf,
  storeCallsBy,
  timeFigures,
} from "./simulator-collect.ts";
import { quantile, round } from "./stats.ts";
import {
  CONCURRENCY,
  GROUP_WAIT_SECONDS,
  planThemeUpdate,
  STORM_THRESHOLD,
  THEME_SITES,
  WINDOW_SECONDS,
} from "./theme-plan.ts";
import { checkExpectations, GITHUB_TIMEOUT_MS, type ThemeUpdateResult } from "./theme-report.ts";

export const runThemeUpdate = async (
  options: { log?: (line: string) => void; sites?: number } = {},
): Promise<ThemeUpdateResult> => {
  const say = options.log ?? (() => {});
  say(`theme: planning ${options.sites ?? THEME_SITES} sites' deliveries…`);
  const { deliveries, sites, simulation } = await planThemeUpdate(options.sites);
  const run = await simulate(simulation, { log: say });
  const { sent, redelivered, messages } = run;

  const times = sent.map((s) => s.ms);
  const helloTimes = run.hello ? [...run.hello.before.sent, ...run.hello.after.sent].map((s) => s.ms) : [];
  const answerMs = timeFigures(times);
  const helloMs = {
    requests: helloTimes.length,
    p50: round(quantile(helloTimes, 0.5), 0),
    p99: round(quantile(helloTimes, 0.99), 0),
    max: round(Math.max(...helloTimes), 0),
  };
  const fiveXxReasons = counts(
    run.deliveryLines.filter((line) => typeof line.status === "number" && line.status >= 500),
    (line) => `${String(line.decision)}: ${String(line.reason ?? "")}`.slice(0, 120),
  );
  const inVigie = msOf(run.deliveryLines);
  const byKind: Record<MessageKind, number> = {
    failure: 0,
    digest: 0,
    recovery: 0,
    "recovery digest": 0,
    other: 0,
  };
  for (const m of messages) byKind[m.kind]++;
  const firstFailure = Math.min(...sent.filter((s) => s.delivery.kind === "failure").map((s) => s.sentAt));
  const lastDigest = messages.filter((m) => m.kind === "digest").at(-1);
  const failing = sites.filter((s) => s.state === "failing").map((s) => s.name);
  const namedAt = failing.map(
    (site) => messages.find((m) => isFailureMessage(m) && m.sites.has(site))?.at ?? null,
  );
  const allNamedAt = namedAt.some((at) => at === null) ? null : Math.max(...namedAt.map((at) => at ?? 0));
  const fiveXx = sent.filter((s) => s.status >= 500 || s.status === 0).length;
  const drain = {
    sweeps: run.sweeps.count,
    seconds: round(run.sweeps.seconds, 1),
    drained: run.sweeps.completed,
    left: run.sweeps.left ?? {},
  };
  const partial = {
    fiveXx,
    over10s: sent.filter((s) => s.ms > GITHUB_TIMEOUT_MS).length,
    answerMs,
    hello: helloMs,
    drain,
  };
  return {
    date: new Date().toISOString(),
    settings: {
      concurrency: CONCURRENCY,
      STORM_THRESHOLD,
      STORM_GROUP_WAIT_SECONDS: GROUP_WAIT_SECONDS,
      STORM_WINDOW_SECONDS: WINDOW_SECONDS,
      REMINDER_HOURS: 0,
      slackRate: "1 message/s, then 429 Retry-After 1",
    },
    plan: {
      sites: {
        github: sites.filter((s) => s.source === "github").length,
        netlify: sites.filter((s) => s.source === "netlify").length,
        ...counts(sites, (s) => s.state),
        superseded: sites.filter((s) => s.superseded).length,
      },
      deliveries: deliveries.length,
      byKind: counts(deliveries, (d) => d.kind),
      outOfOrder: deliveries.filter((d) => d.outOfOrder).length,
      redelivered: deliveries.filter((d) => d.kind === "redelivery").length,
    },
    bootSeconds: round(run.bootSeconds, 1),
    runtime: {
      peakRssGiB: round(run.runtime.peakRssBytes / 2 ** 30, 1),
      peakThreads: run.runtime.peakThreads,
      pausedSeconds: round(run.runtime.pausedMs / 1000, 1),
    },
    seconds: round(run.seconds, 1),
    deliveriesPerSecond: round(deliveries.length / run.seconds, 1),
    answers: counts(sent, (s) => s.answer),
    redelivered: {
      requests: redelivered.length,
      answers: counts(redelivered, (s) => s.answer),
      stillFailed: run.stillFailed.length,
    },
    netlifyFiveXx: sent.filter((s) => s.delivery.source === "netlify" && (s.status >= 500 || s.status === 0))
      .length,
    answersByKind: Object.fromEntries(
      Object.keys(counts(sent, (s) => s.delivery.kind)).map((kind) => [
        kind,
        counts(
          sent.filter((s) => s.delivery.kind === kind),
          (s) => s.answer,
        ),
      ]),
    ),
    fiveXxReasons,
    ...partial,
    ratio: { p50: round(answerMs.p50 / helloMs.p50, 2), p99: round(answerMs.p99 / helloMs.p99, 2) },
    inVigieMs: { p50: round(quantile(inVigie, 0.5), 0), p99: round(quantile(inVigie, 0.99), 0) },
    storeCalls: storeCallsBy(run.deliveryLines),
    storeCallsProcessed: storeCallsBy(run.processedLines),
    slack: {
      delivered: messages.length,
      posts: run.slack.posts,
      rateLimited: run.slack.rateLimited,
      byKind,
      digestSites: messages
        .filter((m) => m.kind === "digest")
        .map((m) => ({ header: m.headerSites, named: m.sites.size })),
      recoveryDigestSites: messages.filter((m) => m.kind === "recovery digest").map((m) => m.sites.size),
      other: messages.filter((m) => m.kind === "other").map((m) => m.header),
      headers: messages.map((m) => m.header),
    },
    firstFailureToLastDigestSeconds: lastDigest ? round((lastDigest.at - firstFailure) / 1000, 1) : null,
    firstFailureToAllNamedSeconds: allNamedAt === null ? null : round((allNamedAt - firstFailure) / 1000, 1),
    drain,
    checks: checkExpectations(sites, sent, messages, partial),
  };
};
