/**
 * The theme update scenario, through Netlify's local runtime: the real functions under
 * `netlify functions:serve --offline` (test/integration/harness.ts), its local Blobs, and a Slack stand-in
 * that, like Slack, answers 429 beyond 1 message per second. The deliveries are bench/theme-plan.ts's.
 *
 * 1. A hello-world function served by the same `functions:serve` process (it reads the body and answers
 *    200 `{}`) gets half of a sample of the same deliveries (every k-th: same bodies and headers), 50 in
 *    flight: the runtime's own cost. The other half goes to it after vigie's run, so that a change in the
 *    machine's load weighs on both.
 * 2. vigie gets every delivery, 50 in flight, in the planned order. GitHub deliveries answered 5xx are
 *    sent again (same id and body, up to 3 times), as vigie's sweep would have GitHub redeliver them.
 * 3. The sweep is triggered (as Netlify's scheduler would every minute; here back to back, with short
 *    waits) until nothing is in flight, waiting for a digest or pending in the outbox (read from the local
 *    Blobs directory), or 240 s have passed.
 *
 * Printed: answer times (client side) against hello-world's, 5xx answers, store calls per decision (the
 * `storeCalls` of each "delivery" log line, when vigie logs it, and of each "processed" line when it
 * processes after the answer), Slack messages by kind, and the
 * expectations (PASS/FAIL): every failing site named, no green or cancelled-only site named, the storm's
 * bound, nothing doubled. A measurement, not a test: it never fails the run.
 *
 * Configuration: STORM_THRESHOLD=5, STORM_GROUP_WAIT_SECONDS=5 (30 by default: a shorter run),
 * STORM_WINDOW_SECONDS=600 (60 by default: vigie's deliveries take minutes here, so the whole theme update
 * is one storm and the bound below is well defined), REMINDER_HOURS=0.
 */

import { randomUUID } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BlobsServer } from "@netlify/blobs/server";
import { BlobsStore } from "../src/store/blobs-store.ts";
import {
  REPO_ROOT,
  type SlackStandIn,
  startSlackStandIn,
  startVigie,
  type Vigie,
} from "../test/integration/harness.ts";
import { projectWithHello } from "./hello-project.ts";
import { type RuntimeWatch, watchRuntime } from "./runtime-watch.ts";
import { quantile, round } from "./stats.ts";
import { planThemeUpdate, THEME_SECRETS, THEME_SITES, type ThemeDelivery } from "./theme-plan.ts";

import {
  CONCURRENCY,
  checkExpectations,
  classify,
  counts,
  DRAIN_LIMIT_MS,
  GITHUB_TIMEOUT_MS,
  GROUP_WAIT_SECONDS,
  HELLO_REQUESTS,
  isFailureMessage,
  type MessageKind,
  PROGRESS_EVERY_MS,
  REDELIVERY_ATTEMPTS,
  type Sent,
  STORM_THRESHOLD,
  storeCallsBy,
  storeLeft,
  THEME_LOG_OUTPUT,
  THEME_SLACK_OUTPUT,
  type ThemeUpdateResult,
  WINDOW_SECONDS,
} from "./theme-report.ts";

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** `count` tasks, `CONCURRENCY` at a time, results in task order; progress every PROGRESS_EVERY_MS. */
const pool = async <T>(
  count: number,
  task: (index: number) => Promise<T>,
  runtime: RuntimeWatch,
  say: (line: string) => void,
): Promise<T[]> => {
  const results: T[] = [];
  let cursor = 0;
  let done = 0;
  const started = performance.now();
  const progress = setInterval(() => {
    const seconds = Math.round((performance.now() - started) / 1000);
    say(
      `  ${seconds} s: ${done}/${count} answered; runtime ${(runtime.rssBytes() / 2 ** 30).toFixed(1)} GiB, ` +
        `${runtime.threads()} threads`,
    );
  }, PROGRESS_EVERY_MS);
  const worker = async () => {
    for (;;) {
      await runtime.waitForMemory();
      const index = cursor++;
      if (index >= count) return;
      results[index] = await task(index);
      done++;
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    clearInterval(progress);
  }
  return results;
};

const send = async (url: string, delivery: ThemeDelivery): Promise<Sent> => {
  const sentAt = Date.now();
  const started = performance.now();
  let status = 0;
  let answer = "network error";
  try {
    const response = await fetch(url, { method: "POST", headers: delivery.headers, body: delivery.body });
    const text = await response.text();
    status = response.status;
    try {
      answer = `${status} ${String((JSON.parse(text) as { status?: unknown }).status ?? "")}`.trim();
    } catch {
      answer = `${status} ${text.split("\n", 1)[0]?.slice(0, 60) ?? ""}`.trim();
    }
  } catch (error) {
    answer = `network error: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { delivery, ms: performance.now() - started, status, answer, sentAt, answeredAt: Date.now() };
};

export const runThemeUpdate = async (
  options: { log?: (line: string) => void; sites?: number } = {},
): Promise<ThemeUpdateResult> => {
  const say = options.log ?? (() => {});
  say(`theme: planning ${options.sites ?? THEME_SITES} sites' deliveries…`);
  const plan = await planThemeUpdate(options.sites);
  const { deliveries, sites } = plan;
  const dir = await projectWithHello({ readBody: true });
  let slack: SlackStandIn | null = null;
  let vigie: Vigie | null = null;
  let blobs: BlobsServer | null = null;
  let runtime: RuntimeWatch | null = null;
  try {
    slack = await startSlackStandIn({ strictRate: { limit: 1, windowMs: 1000, retryAfterSeconds: 1 } });
    const booting = performance.now();
    vigie = await startVigie({
      cwd: dir,
      env: {
        GITHUB_WEBHOOK_SECRET: THEME_SECRETS.github,
        NETLIFY_WEBHOOK_SECRET: THEME_SECRETS.netlify,
        SLACK_WEBHOOK_URL: slack.url,
        STORM_THRESHOLD: String(STORM_THRESHOLD),
        STORM_GROUP_WAIT_SECONDS: String(GROUP_WAIT_SECONDS),
        STORM_WINDOW_SECONDS: String(WINDOW_SECONDS),
        REMINDER_HOURS: "0",
      },
    });
    const bootSeconds = (performance.now() - booting) / 1000;
    const running = vigie;
    const watch = await watchRuntime(running.port);
    runtime = watch;
    const hello = (delivery: ThemeDelivery) => send(`${running.url}/bench/hello`, delivery);
    const toVigie = (delivery: ThemeDelivery) => send(`${running.url}${delivery.path}`, delivery);

    // Warm-up, unmeasured: each function once (an ignored delivery with a fresh id, a sweep).
    const warm = deliveries.find((d) => d.kind === "requested") as ThemeDelivery;
    await hello(warm);
    await toVigie({ ...warm, headers: { ...warm.headers, "x-github-delivery": randomUUID() } });
    const warmNetlify = deliveries.find((d) => d.kind === "building");
    if (warmNetlify) await hello(warmNetlify);
    await running.sweep();

    const every = Math.max(1, Math.ceil(deliveries.length / HELLO_REQUESTS));
    const sample = deliveries.filter((_, index) => index % every === 0);
    const half = (parity: number) => sample.filter((_, index) => index % 2 === parity);
    say(`theme: hello-world, ${half(0).length} of the same deliveries, ${CONCURRENCY} in flight…`);
    const helloBefore = await pool(half(0).length, (i) => hello(half(0)[i] as ThemeDelivery), watch, say);

    say(`theme: vigie, ${deliveries.length} deliveries, ${CONCURRENCY} in flight…`);
    const started = performance.now();
    const sent = await pool(deliveries.length, (i) => toVigie(deliveries[i] as ThemeDelivery), watch, say);
    const seconds = (performance.now() - started) / 1000;
    say(
      `theme: answered in ${seconds.toFixed(1)} s (${Object.entries(counts(sent, (s) => s.answer))
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")})`,
    );

    // GitHub records a 5xx as a failed delivery; vigie's sweep asks GitHub to redeliver those (with
    // GITHUB_TOKEN, GITHUB_ORG, GITHUB_HOOK_ID; src/redelivery/), up to 3 times per
    // delivery. The bench plays that part (no GitHub API stand-in): each GitHub delivery still failed is sent
    // again, same id and body, up to 3 times. Netlify does not redeliver: its 5xx stay as they are.
    const redelivered: Sent[] = [];
    const stillFailed = (d: ThemeDelivery) => {
      const last = [...sent, ...redelivered].filter((s) => s.delivery === d).at(-1);
      return last !== undefined && (last.status >= 500 || last.status === 0);
    };
    for (let attempt = 1; attempt <= REDELIVERY_ATTEMPTS; attempt++) {
      const again = deliveries.filter((d) => d.source === "github" && stillFailed(d));
      if (again.length === 0) break;
      say(`theme: redelivering ${again.length} GitHub deliveries answered 5xx (attempt ${attempt})…`);
      redelivered.push(...(await pool(again.length, (i) => toVigie(again[i] as ThemeDelivery), watch, say)));
    }
    say("theme: sweeping…");

    // Drain: sweep back to back; wait a little when a sweep had nothing to do (group wait, leases).
    const token = randomUUID();
    blobs = new BlobsServer({ directory: join(running.dir, ".netlify", "blobs-serve"), token });
    const { port } = await blobs.start();
    // `netlify functions:serve` runs an unlinked site under this id (scripts/outbox.ts does the same).
    const store = BlobsStore.open(
      { siteID: "unlinked", token, url: `http://127.0.0.1:${port}` },
      { verifyConditionalWrites: false },
    );
    const drainStarted = performance.now();
    let sweeps = 0;
    let left = await storeLeft(store);
    let drained = false;
    while (performance.now() - drainStarted < DRAIN_LIMIT_MS) {
      const before = slack.delivered().length;
      await running.sweep();
      sweeps++;
      left = await storeLeft(store);
      drained = Object.values(left).every((n) => n === 0);
      if (drained) break;
      if (slack.delivered().length === before) await sleep(2_000);
    }
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    say(`theme: ${drained ? "drained" : "NOT drained"} after ${sweeps} sweeps, ${drainSeconds.toFixed(1)} s`);

    say(`theme: hello-world again, the other ${half(1).length} deliveries…`);
    const helloAfter = await pool(half(1).length, (i) => hello(half(1)[i] as ThemeDelivery), watch, say);

    // Figures.
    const times = sent.map((s) => s.ms);
    const helloTimes = [...helloBefore, ...helloAfter].map((s) => s.ms);
    const answerMs = {
      p50: round(quantile(times, 0.5), 0),
      p90: round(quantile(times, 0.9), 0),
      p99: round(quantile(times, 0.99), 0),
      max: round(Math.max(...times), 0),
    };
    const helloMs = {
      requests: helloTimes.length,
      p50: round(quantile(helloTimes, 0.5), 0),
      p99: round(quantile(helloTimes, 0.99), 0),
      max: round(Math.max(...helloTimes), 0),
    };
    const ids = new Set(deliveries.map((d) => d.id));
    // The measured deliveries' own lines (not the warm-up's, nor hello-world's, which logs nothing).
    const logLines = running
      .logLines()
      .filter((line) => line.msg === "delivery" && ids.has(String(line.delivery)));
    const fiveXxReasons = counts(
      logLines.filter((line) => typeof line.status === "number" && line.status >= 500),
      (line) => `${String(line.decision)}: ${String(line.reason ?? "")}`.slice(0, 120),
    );
    const inVigie = logLines.filter((l) => typeof l.ms === "number").map((l) => l.ms as number);
    const processed = running
      .logLines()
      .filter((line) => String(line.msg).startsWith("process") && ids.has(String(line.delivery)));

    // Every line the runtime printed, for a look after the run (bench/out is git-ignored).
    await mkdir(join(REPO_ROOT, "bench", "out"), { recursive: true });
    await writeFile(THEME_LOG_OUTPUT, running.logs());
    await writeFile(
      THEME_SLACK_OUTPUT,
      `${slack
        .delivered()
        .map((m) => JSON.stringify(m))
        .join("\n")}\n`,
    );

    const messages = slack.delivered().map(classify);
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
    const allNamedAt = namedAt.includes(null) ? null : Math.max(...(namedAt as number[]));
    const fiveXx = sent.filter((s) => s.status >= 500 || s.status === 0).length;
    const drain = { sweeps, seconds: round(drainSeconds, 1), drained, left };
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
      bootSeconds: round(bootSeconds, 1),
      runtime: {
        peakRssGiB: round(watch.peakRssBytes / 2 ** 30, 1),
        peakThreads: watch.peakThreads,
        pausedSeconds: round(watch.pausedMs / 1000, 1),
      },
      seconds: round(seconds, 1),
      deliveriesPerSecond: round(deliveries.length / seconds, 1),
      answers: counts(sent, (s) => s.answer),
      redelivered: {
        requests: redelivered.length,
        answers: counts(redelivered, (s) => s.answer),
        stillFailed: deliveries.filter((d) => d.source === "github" && stillFailed(d)).length,
      },
      netlifyFiveXx: sent.filter(
        (s) => s.delivery.source === "netlify" && (s.status >= 500 || s.status === 0),
      ).length,
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
      storeCalls: storeCallsBy(logLines),
      storeCallsProcessed: storeCallsBy(processed),
      slack: {
        delivered: messages.length,
        posts: slack.messages.length,
        rateLimited: slack.messages.filter((m) => m.status === 429).length,
        byKind,
        digestSites: messages
          .filter((m) => m.kind === "digest")
          .map((m) => ({ header: m.headerSites, named: m.sites.size })),
        recoveryDigestSites: messages.filter((m) => m.kind === "recovery digest").map((m) => m.sites.size),
        other: messages.filter((m) => m.kind === "other").map((m) => m.header),
        headers: messages.map((m) => m.header),
      },
      firstFailureToLastDigestSeconds: lastDigest ? round((lastDigest.at - firstFailure) / 1000, 1) : null,
      firstFailureToAllNamedSeconds:
        allNamedAt === null ? null : round((allNamedAt - firstFailure) / 1000, 1),
      drain,
      checks: checkExpectations(sites, sent, messages, partial),
    };
  } finally {
    runtime?.stop();
    await blobs?.stop();
    await vigie?.dispose();
    await slack?.close();
    await rm(dir, { recursive: true, force: true });
  }
};
