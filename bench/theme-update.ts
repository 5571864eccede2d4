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
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BlobsServer } from "@netlify/blobs/server";
import { PREFIX } from "../src/pipeline/keys.ts";
import { parseOutboxEntry } from "../src/pipeline/records.ts";
import { BlobsStore } from "../src/store/blobs-store.ts";
import {
  REPO_ROOT,
  type SlackRequest,
  type SlackStandIn,
  startSlackStandIn,
  startVigie,
  type Vigie,
} from "../test/integration/harness.ts";
import { projectWithHello } from "./hello-project.ts";
import { quantile, round } from "./stats.ts";
import {
  isCompletion,
  planThemeUpdate,
  THEME_SECRETS,
  THEME_SITES,
  type ThemeDelivery,
  type ThemeSite,
} from "./theme-plan.ts";

const CONCURRENCY = 50;
const STORM_THRESHOLD = 5;
const GROUP_WAIT_SECONDS = 5;
const WINDOW_SECONDS = 600;
const DIGEST_PART_SITES = 40;
/** GitHub's answer budget (https://docs.github.com/webhooks/using-webhooks/best-practices-for-using-webhooks). */
const GITHUB_TIMEOUT_MS = 10_000;
const DRAIN_LIMIT_MS = 240_000;
/** Redeliveries per GitHub delivery, at most (MAX_ATTEMPTS_PER_GUID in src/redelivery/plan.ts). */
const REDELIVERY_ATTEMPTS = 3;
/** Hello-world gets a sample of the same deliveries (every k-th), half before vigie's run, half after. */
const HELLO_REQUESTS = 300;
/** Keys that must be gone once everything is processed; `inbox` if the pipeline has one. */
const TRANSIENT_PREFIXES = ["inflight", "digest", "inbox"] as const;
export const THEME_OUTPUT = join(REPO_ROOT, "bench", "out", "theme-update.json");
/** The runtime's whole output and the Slack messages of the last run, to read after it. */
export const THEME_LOG_OUTPUT = join(REPO_ROOT, "bench", "out", "theme-update.log");
export const THEME_SLACK_OUTPUT = join(REPO_ROOT, "bench", "out", "theme-update.slack.jsonl");
/**
 * `functions:serve` runs each invocation in a new worker thread (netlify-cli
 * dist/lib/functions/runtimes/js/index.js), which lives on for a while after its answer, hello-world's
 * too: under this load the first run held 751 threads and 14 GB. The machine is shared, so sending pauses
 * while the runtime holds more than this, and the pauses are reported.
 */
const RUNTIME_MEMORY_LIMIT_BYTES = 8 * 2 ** 30;
const PROGRESS_EVERY_MS = 15_000;

interface Sent {
  readonly delivery: ThemeDelivery;
  readonly ms: number;
  readonly status: number;
  /** `<status> <answer's "status" field>`, or the runtime's own error. */
  readonly answer: string;
  /** Date.now() when the request left and when its answer was read (the Slack stand-in's clock). */
  readonly sentAt: number;
  readonly answeredAt: number;
}

type MessageKind = "failure" | "digest" | "recovery" | "recovery digest" | "other";

interface Message {
  readonly index: number;
  readonly at: number;
  readonly kind: MessageKind;
  readonly header: string;
  /** Sites named anywhere in the message (header, text, links). */
  readonly sites: ReadonlySet<string>;
  /** For a digest: the site count its header gives (the whole storm, not this part). */
  readonly headerSites: number | null;
  readonly raw: string;
}

export interface Check {
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

export interface ThemeUpdateResult {
  readonly date: string;
  readonly settings: Record<string, number | string>;
  readonly plan: {
    readonly sites: Record<string, number>;
    readonly deliveries: number;
    readonly byKind: Record<string, number>;
    readonly outOfOrder: number;
    readonly redelivered: number;
  };
  readonly bootSeconds: number;
  /** The `functions:serve` process during the run. */
  readonly runtime: {
    readonly peakRssGiB: number;
    readonly peakThreads: number;
    readonly pausedSeconds: number;
  };
  readonly seconds: number;
  readonly deliveriesPerSecond: number;
  readonly answers: Record<string, number>;
  readonly fiveXx: number;
  /** GitHub deliveries answered 5xx, sent again (as vigie's sweep would have GitHub do), and the answers. */
  readonly redelivered: {
    readonly requests: number;
    readonly answers: Record<string, number>;
    /** GitHub deliveries still answered 5xx after the last redelivery: GitHub gives up on them. */
    readonly stillFailed: number;
  };
  /** Netlify deliveries answered 5xx: Netlify does not redeliver them. */
  readonly netlifyFiveXx: number;
  /** The answers to each kind of delivery (completions are what need the store). */
  readonly answersByKind: Record<string, Record<string, number>>;
  /** Why vigie answered 5xx: the `reason` of its delivery log lines, counted. */
  readonly fiveXxReasons: Record<string, number>;
  readonly over10s: number;
  readonly answerMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
  readonly hello: {
    readonly requests: number;
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
  };
  readonly ratio: { readonly p50: number; readonly p99: number };
  readonly inVigieMs: { readonly p50: number; readonly p99: number };
  /** Store calls before the answer: the "delivery" log lines. */
  readonly storeCalls: readonly StoreCalls[];
  /**
   * Store calls in all, for deliveries processed after their answer: the "processed" log lines (and
   * "processing failed…", which the sweep finishes). Empty when vigie processes before answering.
   */
  readonly storeCallsProcessed: readonly StoreCalls[];
  readonly slack: {
    readonly delivered: number;
    readonly posts: number;
    readonly rateLimited: number;
    readonly byKind: Record<MessageKind, number>;
    /** Per failure digest: the storm size its header gives, and the sites this part names. */
    readonly digestSites: ReadonlyArray<{ readonly header: number | null; readonly named: number }>;
    readonly recoveryDigestSites: readonly number[];
    readonly other: readonly string[];
    readonly headers: readonly string[];
  };
  readonly firstFailureToLastDigestSeconds: number | null;
  readonly firstFailureToAllNamedSeconds: number | null;
  readonly drain: {
    readonly sweeps: number;
    readonly seconds: number;
    readonly drained: boolean;
    readonly left: Record<string, number>;
  };
  readonly checks: readonly Check[];
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** The `functions:serve` process (found by its port in /proc, Linux only): its memory and threads, sampled. */
interface RuntimeWatch {
  readonly peakRssBytes: number;
  readonly peakThreads: number;
  /** Time spent not sending because the runtime held more than RUNTIME_MEMORY_LIMIT_BYTES, ms. */
  readonly pausedMs: number;
  rssBytes(): number;
  threads(): number;
  waitForMemory(): Promise<void>;
  stop(): void;
}

const watchRuntime = async (port: number): Promise<RuntimeWatch> => {
  let pid: string | null = null;
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).split("\0");
    if (args.includes("functions:serve") && args[args.indexOf("--port") + 1] === String(port)) pid = entry;
  }
  let rss = 0;
  let threads = 0;
  let pausedSince: number | null = null;
  const watch = {
    peakRssBytes: 0,
    peakThreads: 0,
    pausedMs: 0,
    rssBytes: () => rss,
    threads: () => threads,
    waitForMemory: async () => {
      if (rss <= RUNTIME_MEMORY_LIMIT_BYTES) return;
      pausedSince ??= performance.now();
      while (rss > RUNTIME_MEMORY_LIMIT_BYTES) await sleep(250);
      // The first worker to go on counts the pause, once.
      if (pausedSince !== null) watch.pausedMs += performance.now() - pausedSince;
      pausedSince = null;
    },
    stop: () => clearInterval(timer),
  };
  const sample = async () => {
    if (pid === null) return;
    const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    threads = Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? 0);
    watch.peakRssBytes = Math.max(watch.peakRssBytes, rss);
    watch.peakThreads = Math.max(watch.peakThreads, threads);
  };
  const timer = setInterval(() => void sample(), 250);
  await sample();
  return watch;
};

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

const headerOf = (message: SlackRequest): string => {
  const blocks = (message.body as { blocks?: Array<{ type?: string; text?: { text?: string } }> } | null)
    ?.blocks;
  return blocks?.find((block) => block.type === "header")?.text?.text ?? "";
};

const SITE_NAME = /acme[/-]site-\d{3}(?!\d)/g;

const classify = (message: SlackRequest): Message => {
  const header = headerOf(message);
  const digest = /^🚨 (\d+) sites? failed/.exec(header);
  const recoveryDigest = /^✅ (\d+) sites? recovered/.exec(header);
  const kind: MessageKind = header.startsWith("❌")
    ? "failure"
    : digest
      ? "digest"
      : header.startsWith("✅ Recovered")
        ? "recovery"
        : recoveryDigest
          ? "recovery digest"
          : "other";
  const count = digest?.[1] ?? recoveryDigest?.[1];
  return {
    index: message.index,
    at: message.at,
    kind,
    header,
    sites: new Set(message.raw.match(SITE_NAME) ?? []),
    headerSites: count === undefined ? null : Number(count),
    raw: message.raw,
  };
};

const isFailureMessage = (m: Message) => m.kind === "failure" || m.kind === "digest";
const isRecoveryMessage = (m: Message) => m.kind === "recovery" || m.kind === "recovery digest";

/** What is left in the local Blobs store: transient keys, and outbox entries not yet sent (or dead). */
const storeLeft = async (store: BlobsStore): Promise<Record<string, number>> => {
  const left: Record<string, number> = {};
  for (const name of TRANSIENT_PREFIXES) {
    const prefix = (PREFIX as Record<string, string>)[name];
    if (prefix !== undefined) left[name] = (await store.list(prefix)).length;
  }
  let unsent = 0;
  for (const key of await store.list(PREFIX.outbox)) {
    const entry = parseOutboxEntry(await store.read(key));
    if (entry && entry.state !== "sent" && entry.state !== "dead") unsent++;
  }
  left.outboxUnsent = unsent;
  return left;
};

interface StoreCalls {
  readonly decision: string;
  readonly deliveries: number;
  /** How many of those lines have a `storeCalls` field (an answer made before the store is reached has none). */
  readonly counted: number;
  /** null: the log lines have no `storeCalls` field. */
  readonly mean: number | null;
  readonly max: number | null;
}

/** The `storeCalls` of log lines, by decision, most frequent first. */
const storeCallsBy = (lines: ReadonlyArray<Record<string, unknown>>): StoreCalls[] => {
  const byDecision = new Map<string, number[]>();
  const lineCount = new Map<string, number>();
  for (const line of lines) {
    const decision = String(line.decision ?? line.msg);
    lineCount.set(decision, (lineCount.get(decision) ?? 0) + 1);
    const known = byDecision.get(decision) ?? [];
    if (typeof line.storeCalls === "number") known.push(line.storeCalls);
    byDecision.set(decision, known);
  }
  return [...lineCount.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([decision, deliveries]) => {
      const known = byDecision.get(decision) ?? [];
      return {
        decision,
        deliveries,
        counted: known.length,
        mean: known.length === 0 ? null : round(known.reduce((a, b) => a + b, 0) / known.length, 1),
        max: known.length === 0 ? null : Math.max(...known),
      };
    });
};

const counts = <T>(items: readonly T[], key: (item: T) => string): Record<string, number> => {
  const result: Record<string, number> = {};
  for (const item of items) result[key(item)] = (result[key(item)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(result).sort((a, b) => b[1] - a[1]));
};

const list = (names: readonly string[], max = 8): string =>
  names.length === 0
    ? "none"
    : `${names.slice(0, max).join(", ")}${names.length > max ? ` …and ${names.length - max} more` : ""}`;

/** The expectations, precisely (bench/theme-plan.ts defines the site states). */
const checkExpectations = (
  sites: readonly ThemeSite[],
  sent: readonly Sent[],
  messages: readonly Message[],
  result: Pick<ThemeUpdateResult, "fiveXx" | "over10s" | "answerMs" | "hello" | "drain">,
): Check[] => {
  const naming = (site: string) => messages.filter((m) => m.sites.has(site));
  const of = (state: ThemeSite["state"]) => sites.filter((s) => s.state === state).map((s) => s.name);
  const checks: Check[] = [];
  const check = (name: string, violations: readonly string[], detail = list(violations)) =>
    checks.push({ name, pass: violations.length === 0, detail });

  check("no 5xx answer", result.fiveXx > 0 ? [`${result.fiveXx} answers 5xx`] : [], `${result.fiveXx} 5xx`);
  check(
    "every answer within GitHub's 10 s",
    result.over10s > 0 ? [`${result.over10s}`] : [],
    `${result.over10s} over 10 s, max ${result.answerMs.max} ms`,
  );
  check(
    "answer p99 ≤ 2× hello-world's p99",
    result.answerMs.p99 > 2 * result.hello.p99 ? ["missed"] : [],
    `${result.answerMs.p99} ms vs 2 × ${result.hello.p99} ms`,
  );
  check(
    "every failing site named in a failure message",
    of("failing").filter((site) => !naming(site).some(isFailureMessage)),
  );
  check(
    "no green or cancelled-only site named",
    [...of("green"), ...of("cancelled-only")].flatMap((site) => {
      const named = naming(site);
      return named.length === 0 ? [] : [`${site} (${named.map((m) => m.kind).join(", ")})`];
    }),
  );
  // A fixed site's failure may be announced only if it reached vigie before the fix did (an older result
  // delivered after a newer one must change nothing); a failure in flight with the fix is allowed either way.
  check(
    "a fixed site named failing only if its failure arrived before the fix",
    of("fixed").filter((site) => {
      if (!naming(site).some(isFailureMessage)) return false;
      const original = (kind: string) =>
        sent.find((s) => s.delivery.site === site && s.delivery.kind === kind && isCompletion(kind));
      const failure = original("failure");
      const fix = original("success");
      return failure !== undefined && fix !== undefined && failure.sentAt > fix.answeredAt;
    }),
  );
  check(
    "Slack's last word on each site matches its state",
    [...of("failing"), ...of("fixed")].flatMap((site) => {
      const last = naming(site).at(-1);
      if (last === undefined) return [];
      const state = sites.find((s) => s.name === site)?.state;
      const ok = state === "failing" ? isFailureMessage(last) : isRecoveryMessage(last);
      return ok ? [] : [`${site} (${state}, last: ${last.kind})`];
    }),
  );
  check(
    "no site named in two failure messages",
    sites.map((s) => s.name).filter((site) => naming(site).filter(isFailureMessage).length > 1),
  );
  const failureMessages = messages.filter(isFailureMessage);
  const failingNamed = new Set(failureMessages.flatMap((m) => [...m.sites])).size;
  const bound = STORM_THRESHOLD + Math.ceil(Math.max(0, failingNamed - STORM_THRESHOLD) / DIGEST_PART_SITES);
  check(
    "storm bound: failure messages ≤ threshold + digests of ≤ 40 sites",
    failureMessages.length > bound ? ["over"] : [],
    `${failureMessages.length} failure messages (${failureMessages.filter((m) => m.kind === "failure").length} single) ` +
      `for ${failingNamed} sites; bound ${STORM_THRESHOLD} + ⌈${Math.max(0, failingNamed - STORM_THRESHOLD)}/40⌉ = ${bound}`,
  );
  const bodies = counts(messages, (m) => m.raw);
  check(
    "no Slack message delivered twice",
    Object.entries(bodies)
      .filter(([, n]) => n > 1)
      .map(([raw, n]) => `${n}× ${messages.find((m) => m.raw === raw)?.header ?? ""}`),
  );
  check(
    "everything processed and sent (store drained)",
    result.drain.drained ? [] : ["not drained"],
    Object.entries(result.drain.left)
      .map(([k, v]) => `${k} ${v}`)
      .join(", "),
  );
  return checks;
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

const storeCallsText = (calls: readonly StoreCalls[]): string =>
  calls
    .map((s) => {
      const which = s.counted === s.deliveries ? `${s.deliveries}` : `${s.deliveries}, ${s.counted} counted`;
      return `${s.decision} (${which}) ${s.mean === null ? "n/a" : `mean ${s.mean} max ${s.max}`}`;
    })
    .join("; ");

/** The result as printed lines. */
export const themeUpdateLines = (r: ThemeUpdateResult): string[] => {
  const seconds = (value: number | null, none: string) => (value === null ? `n/a (${none})` : `${value} s`);
  const kv = (record: Record<string, number>) =>
    Object.entries(record)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
  const lines = [
    `Theme update: ${r.plan.sites.github} GitHub repositories + ${r.plan.sites.netlify} Netlify sites, ` +
      `${r.plan.deliveries} deliveries, ${r.settings.concurrency} in flight, through \`netlify functions:serve\`; ` +
      `STORM_THRESHOLD=${r.settings.STORM_THRESHOLD}, STORM_GROUP_WAIT_SECONDS=${r.settings.STORM_GROUP_WAIT_SECONDS} (bench), ` +
      `STORM_WINDOW_SECONDS=${r.settings.STORM_WINDOW_SECONDS} (bench), Slack stand-in 1 message/s`,
    `  sites: failing ${r.plan.sites.failing ?? 0}, fixed (failed then fixed) ${r.plan.sites.fixed ?? 0}, ` +
      `cancelled-only ${r.plan.sites["cancelled-only"] ?? 0}, green ${r.plan.sites.green ?? 0}; ` +
      `${r.plan.sites.superseded} with a run cancelled by a newer push`,
    `  deliveries: ${kv(r.plan.byKind)}; ${r.plan.outOfOrder} out of order ` +
      `(${Math.round((100 * r.plan.outOfOrder) / r.plan.deliveries)} %), ${r.plan.redelivered} redelivered`,
    `  answer time p50 ${r.answerMs.p50} ms, p90 ${r.answerMs.p90} ms, p99 ${r.answerMs.p99} ms, max ${r.answerMs.max} ms ` +
      `(${r.deliveriesPerSecond}/s over ${r.seconds} s); inside vigie p50 ${r.inVigieMs.p50} ms, p99 ${r.inVigieMs.p99} ms`,
    `  hello-world, same runtime, same bodies, same concurrency (${r.hello.requests} requests, half before, half after): ` +
      `p50 ${r.hello.p50} ms, p99 ${r.hello.p99} ms; ratio p50 ${r.ratio.p50}×, p99 ${r.ratio.p99}×`,
    `  answers: ${kv(r.answers)}; 5xx: ${r.fiveXx}; over 10 s: ${r.over10s}`,
    ...(r.fiveXx > 0 ? [`  why 5xx (first answers and redeliveries): ${kv(r.fiveXxReasons)}`] : []),
    `  5xx GitHub deliveries sent again as vigie's sweep would have GitHub redeliver them: ${r.redelivered.requests} ` +
      `requests (${kv(r.redelivered.answers) || "none"}), ${r.redelivered.stillFailed} still 5xx after ${REDELIVERY_ATTEMPTS}; ` +
      `Netlify deliveries answered 5xx (never redelivered): ${r.netlifyFiveXx}`,
    `  answers by delivery: ${Object.entries(r.answersByKind)
      .map(([kind, answers]) => `${kind}: ${kv(answers)}`)
      .join("; ")}`,
    `  store calls per delivery before its answer, by decision: ${storeCallsText(r.storeCalls)}`,
    ...(r.storeCallsProcessed.length === 0
      ? []
      : [
          `  store calls in all, deliveries processed after the answer: ${storeCallsText(r.storeCallsProcessed)}`,
        ]),
    `  Slack: ${r.slack.delivered} messages accepted (${r.slack.posts} posts, ${r.slack.rateLimited} answered 429): ` +
      `single failures ${r.slack.byKind.failure}, digests ${r.slack.byKind.digest}` +
      `${r.slack.digestSites.length > 0 ? ` (headers: ${r.slack.digestSites.map((d) => d.header ?? "?").join(", ")} sites; parts name ${r.slack.digestSites.map((d) => d.named).join(" + ")})` : ""}, ` +
      `recoveries ${r.slack.byKind.recovery}, recovery digests ${r.slack.byKind["recovery digest"]}` +
      `${r.slack.recoveryDigestSites.length > 0 ? ` (${r.slack.recoveryDigestSites.join(" + ")} sites)` : ""}, ` +
      `other ${r.slack.byKind.other}${r.slack.other.length > 0 ? ` (${list(r.slack.other, 3)})` : ""}`,
    `  first failure delivery → last digest received: ${seconds(r.firstFailureToLastDigestSeconds, "no digest")}; ` +
      `→ every failing site named: ${seconds(r.firstFailureToAllNamedSeconds, "not all named")}; ` +
      `drain: ${r.drain.sweeps} sweeps, ${r.drain.seconds} s`,
    `  the runtime (\`functions:serve\`): peak ${r.runtime.peakRssGiB} GiB, ${r.runtime.peakThreads} threads; ` +
      `sending paused ${r.runtime.pausedSeconds} s while it held more than ` +
      `${RUNTIME_MEMORY_LIMIT_BYTES / 2 ** 30} GiB`,
  ];
  for (const c of r.checks) lines.push(`  ${c.pass ? "PASS" : "FAIL"} ${c.name}: ${c.detail}`);
  return lines;
};

/** Writes the result under bench/out/ (git-ignored) and returns the path. */
export const writeThemeUpdate = async (result: ThemeUpdateResult): Promise<string> => {
  await mkdir(join(REPO_ROOT, "bench", "out"), { recursive: true });
  await writeFile(THEME_OUTPUT, `${JSON.stringify(result, null, 2)}\n`);
  return THEME_OUTPUT;
};
