/**
 * The storm simulator: the one driver of the bench's runs through Netlify's local runtime. A plan (signed
 * deliveries in sending order, how many in flight, when the sweep runs, vigie's variables) goes through the
 * real functions under `netlify functions:serve --offline` (test/integration/harness.ts), its local Blobs
 * server, and a Slack stand-in that, like Slack, answers 429 beyond 1 message per second. Collected: every
 * answer (status, time), the Slack messages by kind and the sites each names, when each site was first
 * named, the `delivery` and `processed` log lines of the planned deliveries (their `storeCalls` by
 * decision: bench/simulator-collect.ts), the runtime's memory, and, when the plan asks for it, the answers
 * of a hello-world function served by the same runtime (bench/hello-project.ts).
 *
 * In order: the warm-up (unmeasured), hello-world's first half, every delivery `concurrency` in flight in
 * the planned order, GitHub deliveries answered 5xx sent again (same id and body, as vigie's sweep would
 * have GitHub redeliver them: src/redelivery/; Netlify does not redeliver), the sweeps of the plan's
 * schedule (`POST /.netlify/functions/sweep`, as Netlify's scheduler would run it), hello-world's second
 * half. The runtime's output and the Slack messages go to bench/out/<name>.log and <name>.slack.jsonl
 * (git-ignored: a run never rewrites a committed file).
 *
 * The plans: bench/burst-plan.ts, bench/theme-plan.ts, bench/storm-plan.ts; the reports that run them:
 * bench/burst.ts, bench/theme-update.ts, bench/storm-at-once.ts.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BlobsServer } from "@netlify/blobs/server";
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
import { type RuntimeWatch, watchRuntime } from "./runtime-watch.ts";
import type { PlannedDelivery } from "./signed-delivery.ts";
import { classify, counts, firstNamed, type Message, storeLeft } from "./simulator-collect.ts";
import { pool, type Sent, send } from "./simulator-send.ts";

export const OUT_DIR = join(REPO_ROOT, "bench", "out");

/** What the drain's `stop` and `pause` see after each sweep; each part read when asked, once. */
export interface DrainStep {
  readonly sweeps: number;
  /** Messages Slack accepted during this sweep. */
  readonly newMessages: number;
  readonly delivered: readonly SlackRequest[];
  /** The sweep sent, retried, deferred and digested nothing (its "sweep" log line), and Slack got nothing. */
  idle(): boolean;
  logLines(): ReadonlyArray<Record<string, unknown>>;
  /** What is left in the store: transient keys and outbox entries not yet sent (simulator-collect.ts). */
  left(): Promise<Record<string, number>>;
}

export type SweepSchedule =
  /** At these times after the first delivery left (ms), then `settleMs` for the last messages to land. */
  | { readonly kind: "at"; readonly afterFirstMs: readonly number[]; readonly settleMs: number }
  /** Back to back until `stop`, `maxSweeps` or `limitMs`; `pauseMs` after a sweep that `pause` names. */
  | {
      readonly kind: "drain";
      readonly maxSweeps: number;
      readonly limitMs: number;
      readonly pauseMs: number;
      readonly stop: (step: DrainStep) => boolean | Promise<boolean>;
      readonly pause: (step: DrainStep) => boolean;
    };

export interface SimulationPlan<D extends PlannedDelivery> {
  /** Names the run in progress lines and its files under bench/out/. */
  readonly name: string;
  /** In sending order. */
  readonly deliveries: readonly D[];
  /** The sites the plan is about: which of them each Slack message names, and when each was first named. */
  readonly sites: readonly string[];
  readonly concurrency: number;
  /** vigie's variables (STORM_THRESHOLD, STORM_GROUP_WAIT_SECONDS…); SLACK_WEBHOOK_URL is the stand-in's. */
  readonly env: Readonly<Record<string, string>>;
  readonly sweeps: SweepSchedule;
  /** Unmeasured, before anything else: each to hello-world, each to vigie, then one sweep if asked. */
  readonly warmUp?: {
    readonly hello: readonly PlannedDelivery[];
    readonly vigie: readonly PlannedDelivery[];
    readonly sweep: boolean;
  };
  /**
   * The runtime's own cost: these requests to a hello-world function at `/bench/hello` (reading the body
   * with `readBody`), `concurrency` in flight, before vigie's run and after its sweeps.
   */
  readonly reference?: {
    readonly readBody: boolean;
    readonly before: readonly PlannedDelivery[];
    readonly after: readonly PlannedDelivery[];
  };
  /** GitHub deliveries answered 5xx (or not at all) are sent again, up to this many times each. */
  readonly redeliveries?: number;
}

export interface Timed<D extends PlannedDelivery> {
  readonly sent: ReadonlyArray<Sent<D>>;
  readonly seconds: number;
}

export interface Simulation<D extends PlannedDelivery> {
  readonly bootSeconds: number;
  /** Date.now() when the first planned delivery left. */
  readonly startedAt: number;
  /** Every planned delivery's first answer, in plan order, and how long sending them all took. */
  readonly sent: ReadonlyArray<Sent<D>>;
  readonly seconds: number;
  readonly redelivered: ReadonlyArray<Sent<D>>;
  /** GitHub deliveries whose last answer was still 5xx (or none): GitHub gives up on them. */
  readonly stillFailed: readonly D[];
  /** hello-world's answers, null when the plan asked for no reference. */
  readonly hello: { readonly before: Timed<PlannedDelivery>; readonly after: Timed<PlannedDelivery> } | null;
  readonly slack: {
    readonly delivered: readonly SlackRequest[];
    readonly posts: number;
    readonly rateLimited: number;
  };
  /** The messages Slack accepted, in order, classified. */
  readonly messages: readonly Message[];
  /** Date.now() of the first accepted message naming each of the plan's sites, null if none did. */
  readonly firstNamed: ReadonlyMap<string, number | null>;
  /** The planned deliveries' "delivery" log lines (the answer's) and "processed…" lines (after it). */
  readonly deliveryLines: ReadonlyArray<Record<string, unknown>>;
  readonly processedLines: ReadonlyArray<Record<string, unknown>>;
  /** Every line vigie logged, warm-up included. */
  readonly logLines: ReadonlyArray<Record<string, unknown>>;
  readonly sweeps: {
    readonly count: number;
    readonly seconds: number;
    /** The schedule ran to its end: every planned sweep, or the drain's `stop` said so. */
    readonly completed: boolean;
    /** The store as the last drain step read it; null if none did. */
    readonly left: Record<string, number> | null;
  };
  readonly runtime: {
    readonly peakRssBytes: number;
    readonly peakThreads: number;
    readonly pausedMs: number;
  };
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

const memo = <T>(read: () => T): (() => T) => {
  let value: { readonly v: T } | null = null;
  return () => {
    value ??= { v: read() };
    return value.v;
  };
};

/**
 * The store, read through a second local Blobs server on the runtime's directory (scripts/outbox.ts does
 * the same), started on the first read: `functions:serve` runs an unlinked site under the id "unlinked".
 */
const storeReader = (dir: string) => {
  let open: { readonly server: BlobsServer; readonly store: BlobsStore } | null = null;
  return {
    left: async (): Promise<Record<string, number>> => {
      if (open === null) {
        const token = randomUUID();
        const server = new BlobsServer({ directory: join(dir, ".netlify", "blobs-serve"), token });
        const { port } = await server.start();
        const store = BlobsStore.open(
          { siteID: "unlinked", token, url: `http://127.0.0.1:${port}` },
          { verifyConditionalWrites: false },
        );
        open = { server, store };
      }
      return storeLeft(open.store);
    },
    stop: async () => {
      await open?.server.stop();
    },
  };
};

const runSweeps = async (
  schedule: SweepSchedule,
  run: { vigie: Vigie; slack: SlackStandIn; startedAt: number; left: () => Promise<Record<string, number>> },
): Promise<Simulation<PlannedDelivery>["sweeps"]> => {
  const started = performance.now();
  let count = 0;
  let left: Record<string, number> | null = null;
  if (schedule.kind === "at") {
    for (const after of schedule.afterFirstMs) {
      await sleep(Math.max(0, run.startedAt + after - Date.now()));
      await run.vigie.sweep();
      count++;
    }
    await sleep(schedule.settleMs);
    return { count, seconds: (performance.now() - started) / 1000, completed: true, left };
  }
  let completed = false;
  while (count < schedule.maxSweeps && performance.now() - started < schedule.limitMs) {
    const before = run.slack.delivered().length;
    await run.vigie.sweep();
    count++;
    const delivered = run.slack.delivered();
    const logLines = memo(() => run.vigie.logLines());
    const step: DrainStep = {
      sweeps: count,
      newMessages: delivered.length - before,
      delivered,
      logLines,
      idle: memo(() => {
        const report = logLines()
          .filter((line) => line.msg === "sweep")
          .at(-1);
        return (
          report !== undefined &&
          report.sent === 0 &&
          report.retrying === 0 &&
          report.deferred === 0 &&
          report.digests === 0 &&
          delivered.length === before
        );
      }),
      left: async () => {
        left = await run.left();
        return left;
      },
    };
    if (await schedule.stop(step)) {
      completed = true;
      break;
    }
    if (schedule.pause(step)) await sleep(schedule.pauseMs);
  }
  return { count, seconds: (performance.now() - started) / 1000, completed, left };
};

/** Runs `plan` on a fresh runtime, store and Slack stand-in, and collects what it did. */
export const simulate = async <D extends PlannedDelivery>(
  plan: SimulationPlan<D>,
  options: { log?: (line: string) => void } = {},
): Promise<Simulation<D>> => {
  const log = options.log ?? (() => {});
  const say = (line: string) => log(`${plan.name}: ${line}`);
  const dir = plan.reference ? await projectWithHello({ readBody: plan.reference.readBody }) : undefined;
  let slack: SlackStandIn | null = null;
  let vigie: Vigie | null = null;
  let reader: ReturnType<typeof storeReader> | null = null;
  let runtime: RuntimeWatch | null = null;
  try {
    slack = await startSlackStandIn({ strictRate: { limit: 1, windowMs: 1000, retryAfterSeconds: 1 } });
    const booting = performance.now();
    vigie = await startVigie({
      ...(dir === undefined ? {} : { cwd: dir }),
      env: { ...plan.env, SLACK_WEBHOOK_URL: slack.url },
    });
    const bootSeconds = (performance.now() - booting) / 1000;
    const running = vigie;
    const watch = await watchRuntime(running.port);
    runtime = watch;
    const toVigie = (delivery: PlannedDelivery) => `${running.url}${delivery.path}`;
    const toHello = () => `${running.url}/bench/hello`;
    const sendAll = <T extends PlannedDelivery>(items: readonly T[], url: (delivery: T) => string) =>
      pool(items, url, { concurrency: plan.concurrency, runtime: watch, say: log });
    const hello = async (
      items: readonly PlannedDelivery[],
      when: string,
    ): Promise<Timed<PlannedDelivery>> => {
      say(`hello-world ${when}, ${items.length} requests, ${plan.concurrency} in flight…`);
      const started = performance.now();
      const sent = await sendAll(items, toHello);
      return { sent, seconds: (performance.now() - started) / 1000 };
    };

    for (const delivery of plan.warmUp?.hello ?? []) await send(toHello(), delivery);
    for (const delivery of plan.warmUp?.vigie ?? []) await send(toVigie(delivery), delivery);
    if (plan.warmUp?.sweep) await running.sweep();
    say(`local runtime ready in ${bootSeconds.toFixed(1)} s`);
    const helloBefore = plan.reference ? await hello(plan.reference.before, "before vigie") : null;

    say(`vigie, ${plan.deliveries.length} deliveries, ${plan.concurrency} in flight…`);
    const startedAt = Date.now();
    const started = performance.now();
    const sent = await sendAll(plan.deliveries, toVigie);
    const seconds = (performance.now() - started) / 1000;
    say(
      `answered in ${seconds.toFixed(1)} s (${Object.entries(counts(sent, (s) => s.answer))
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")})`,
    );

    const redelivered: Array<Sent<D>> = [];
    const stillFailed = (delivery: D) => {
      const last = [...sent, ...redelivered].filter((s) => s.delivery === delivery).at(-1);
      return last !== undefined && (last.status >= 500 || last.status === 0);
    };
    const failedGithub = () => plan.deliveries.filter((d) => d.source === "github" && stillFailed(d));
    for (let attempt = 1; attempt <= (plan.redeliveries ?? 0); attempt++) {
      const again = failedGithub();
      if (again.length === 0) break;
      say(`redelivering ${again.length} GitHub deliveries answered 5xx (attempt ${attempt})…`);
      redelivered.push(...(await sendAll(again, toVigie)));
    }

    say("sweeping…");
    reader = storeReader(running.dir);
    const sweeps = await runSweeps(plan.sweeps, { vigie: running, slack, startedAt, left: reader.left });
    say(
      `${sweeps.completed ? "done" : "NOT done"} after ${sweeps.count} sweeps, ${sweeps.seconds.toFixed(1)} s`,
    );
    const helloAfter = plan.reference ? await hello(plan.reference.after, "after vigie") : null;

    const delivered = slack.delivered();
    await mkdir(OUT_DIR, { recursive: true });
    await writeFile(join(OUT_DIR, `${plan.name}.log`), running.logs());
    await writeFile(
      join(OUT_DIR, `${plan.name}.slack.jsonl`),
      `${delivered.map((m) => JSON.stringify(m)).join("\n")}\n`,
    );
    const messages = delivered.map((m) => classify(m, plan.sites));
    const ids = new Set(plan.deliveries.map((d) => d.id));
    const logLines = running.logLines();
    const ofPlan = (line: Record<string, unknown>) => ids.has(String(line.delivery));
    return {
      bootSeconds,
      startedAt,
      sent,
      seconds,
      redelivered,
      stillFailed: failedGithub(),
      hello: helloBefore && helloAfter ? { before: helloBefore, after: helloAfter } : null,
      slack: {
        delivered,
        posts: slack.messages.length,
        rateLimited: slack.messages.filter((m) => m.status === 429).length,
      },
      messages,
      firstNamed: firstNamed(messages, plan.sites),
      deliveryLines: logLines.filter((line) => line.msg === "delivery" && ofPlan(line)),
      processedLines: logLines.filter((line) => String(line.msg).startsWith("process") && ofPlan(line)),
      logLines,
      sweeps,
      runtime: { peakRssBytes: watch.peakRssBytes, peakThreads: watch.peakThreads, pausedMs: watch.pausedMs },
    };
  } finally {
    runtime?.stop();
    await reader?.stop();
    await vigie?.dispose();
    await slack?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
};
