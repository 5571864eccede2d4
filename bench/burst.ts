/**
 * A burst through Netlify's local runtime: the real functions (`netlify functions:serve`, each invocation
 * a fresh worker importing the bundle, i.e. a cold start), the local Blobs server, and a Slack stand-in
 * that answers 429 beyond 1 message per second, like Slack.
 *
 * 500 signed deliveries of an organisation webhook covering 300 repositories, 20 in flight at a time:
 * the in_progress delivery of every run, then its completion (success, cancelled or failure), a few
 * redeliveries, runs still going at the end, and one storm (a theme update breaks 60 sites within a few
 * seconds). Then the sweep is triggered (as the scheduler would, every minute; here back to back) until
 * the outbox is empty. Reported: deliveries/s sustained, answer time p50/p99, Slack messages produced,
 * and that nothing was lost: every failing repository is named in a message Slack accepted, every
 * recovered one in a recovery message (unless its fix was processed before its failure: then the failure
 * is older than the newest result and never announced, which the log shows), no answer was an error.
 *
 * STORM_GROUP_WAIT_SECONDS is 5 (30 by default) to keep the run short; everything else is the default
 * configuration (STORM_THRESHOLD 5 within 60 s).
 */
import { randomUUID } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { random } from "../samples/day.ts";
import { failedRunPayload, runPayload, signGithub } from "../samples/github.ts";
import {
  REPO_ROOT,
  type SlackRequest,
  type SlackStandIn,
  startSlackStandIn,
  startVigie,
  type Vigie,
} from "../test/integration/harness.ts";
import { projectWithHello } from "./hello-project.ts";
import { invariant, quantile, round } from "./stats.ts";

const SECRET = "vigie-bench-burst-secret";
const REPOS = 300;
const DELIVERIES = 500;
const CONCURRENCY = 20;
const STORM = 60;
const REFERENCE_REQUESTS = 60;

interface Delivery {
  readonly repo: string;
  readonly kind: "in_progress" | "success" | "cancelled" | "failure" | "storm" | "recovery" | "redelivery";
  readonly body: string;
  readonly signature: string;
  readonly id: string;
}

const repoName = (i: number): string => `acme/site-${String(i).padStart(3, "0")}`;

export interface BurstPlan {
  readonly deliveries: readonly Delivery[];
  readonly failing: readonly string[];
  readonly recovering: readonly string[];
  readonly quiet: readonly string[];
}

/**
 * Repositories 1-60 fail together (the storm), 61-72 fail on their own, of which 61-68 recover later;
 * 73-112 have a run cancelled; 113-174 succeed; 175-300 have a run still in progress at the end.
 * Every completed run is preceded by its in_progress delivery; 10 failures are redelivered.
 */
export const planBurst = async (): Promise<BurstPlan> => {
  const next = random(20261127);
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 27, 14, minute)).toISOString();
  let runId = 8_100_000_000;
  const make = async (
    repo: string,
    kind: Delivery["kind"],
    payload: object,
    id: string = randomUUID(),
  ): Promise<Delivery> => {
    const body = JSON.stringify(payload);
    return { repo, kind, body, signature: await signGithub(SECRET, body), id };
  };
  const run = async (repo: string, conclusion: string, kind: Delivery["kind"], minute: number) => {
    const id = runId++;
    const message = kind === "storm" ? "Update theme to 4.2.0" : "Update content";
    const common = { repo, runId: id, updatedAt: at(minute), message };
    return [
      await make(repo, "in_progress", runPayload({ ...common, action: "in_progress", conclusion: null })),
      await make(
        repo,
        kind,
        conclusion === "success" ? runPayload(common) : failedRunPayload({ ...common, conclusion }),
      ),
    ];
  };

  // Background traffic, shuffled; each run's completion comes 1 to 6 runs after its in_progress.
  const background: Delivery[][] = [];
  for (let i = 61; i <= 72; i++) background.push(await run(repoName(i), "failure", "failure", 1));
  for (let i = 73; i <= 112; i++) background.push(await run(repoName(i), "cancelled", "cancelled", 2));
  for (let i = 113; i <= 174; i++) background.push(await run(repoName(i), "success", "success", 3));
  for (let i = 175; i <= REPOS; i++) {
    background.push([(await run(repoName(i), "success", "success", 4))[0] as Delivery]);
  }
  for (let i = background.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [background[i], background[j]] = [background[j] as Delivery[], background[i] as Delivery[]];
  }
  const keyed = background.flatMap((pair, index) =>
    pair.map((delivery, step) => ({
      delivery,
      key: index * 10 + (step === 0 ? 0 : 15 + Math.floor(next() * 50)),
    })),
  );
  const stream = keyed.sort((a, b) => a.key - b.key).map(({ delivery }) => delivery);
  // The storm: 60 sites, in_progress then failure, back to back, at 40% of the burst.
  const storm: Delivery[] = [];
  for (let i = 1; i <= STORM; i++) storm.push(...(await run(repoName(i), "failure", "storm", 5)));
  storm.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "in_progress" ? -1 : 1));
  stream.splice(Math.floor(stream.length * 0.4), 0, ...storm);
  // Recoveries of 61-68, well after their failures; redeliveries of 10 failures (same delivery id).
  const failures = stream.filter((d) => d.kind === "failure" || d.kind === "storm");
  const tail: Delivery[] = [];
  for (let i = 61; i <= 68; i++) tail.push(...(await run(repoName(i), "success", "recovery", 30)));
  for (const original of failures.slice(0, 10)) {
    tail.push({ ...original, kind: "redelivery" });
  }
  stream.push(...tail);
  invariant(
    stream.length === DELIVERIES,
    `the burst plan has ${stream.length} deliveries, not ${DELIVERIES}`,
  );
  invariant(new Set(stream.map((d) => d.repo)).size === REPOS, "the burst must cover 300 repositories");
  return {
    deliveries: stream,
    failing: Array.from({ length: 72 }, (_, i) => repoName(i + 1)),
    recovering: Array.from({ length: 8 }, (_, i) => repoName(i + 61)),
    quiet: Array.from({ length: REPOS - 72 }, (_, i) => repoName(i + 73)),
  };
};

export interface BurstResult {
  readonly deliveries: number;
  readonly repositories: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly deliveriesPerSecond: number;
  readonly answerMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
  readonly answers: Record<string, number>;
  readonly sweeps: number;
  readonly drainSeconds: number;
  readonly slack: {
    readonly messages: number;
    readonly attempts: number;
    readonly rateLimited: number;
    readonly failureMessages: number;
    readonly failureDigests: number;
    readonly recoveryMessages: number;
    readonly recoveryDigests: number;
    /** The header of every accepted message, in order. */
    readonly headers: readonly string[];
  };
  readonly lost: { readonly failing: readonly string[]; readonly recovering: readonly string[] };
  /** Recovering repositories whose failure was processed after their fix: older, so never announced. */
  readonly superseded: readonly string[];
  readonly quietNamed: readonly string[];
  readonly bootSeconds: number;
  /** Time spent inside vigie per delivery (the `ms` of its delivery log lines), ms. */
  readonly inVigieMs: { readonly p50: number; readonly p99: number };
  /**
   * The same local runtime answering a hello-world function (no work at all), same concurrency, just
   * before the burst: what the runtime itself costs per invocation on this machine.
   */
  readonly runtimeReference: {
    readonly requests: number;
    readonly perSecond: number;
    readonly p50: number;
    readonly p99: number;
  };
}

/** The header of a message the stand-in received (Block Kit's first block). */
const header = (message: SlackRequest): string => {
  const blocks = (message.body as { blocks?: Array<{ type?: string; text?: { text?: string } }> } | null)
    ?.blocks;
  const first = blocks?.find((block) => block.type === "header");
  return first?.text?.text ?? "";
};

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

const runConcurrently = async <T>(count: number, task: (index: number) => Promise<T>): Promise<T[]> => {
  const results: T[] = [];
  let cursor = 0;
  const worker = async () => {
    for (;;) {
      const index = cursor++;
      if (index >= count) return;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return results;
};

const post = async (
  vigie: Vigie,
  delivery: Delivery,
): Promise<{ ms: number; status: number; answer: string }> => {
  const started = performance.now();
  const response = await fetch(`${vigie.url}/webhooks/github`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/vigie-bench",
      "x-github-event": "workflow_run",
      "x-github-delivery": delivery.id,
      "x-hub-signature-256": delivery.signature,
    },
    body: delivery.body,
  });
  const text = await response.text();
  let answer = `http ${response.status}`;
  try {
    answer = String((JSON.parse(text) as { status?: unknown }).status ?? answer);
  } catch {
    // not JSON: the runtime's own error page
  }
  return { ms: performance.now() - started, status: response.status, answer };
};

export const runBurst = async (options: { log?: (line: string) => void } = {}): Promise<BurstResult> => {
  const say = options.log ?? (() => {});
  const plan = await planBurst();
  let slack: SlackStandIn | null = null;
  let vigie: Vigie | null = null;
  const dir = await projectWithHello({ readBody: false });
  try {
    slack = await startSlackStandIn({ strictRate: { limit: 1, windowMs: 1000, retryAfterSeconds: 1 } });
    const booting = performance.now();
    vigie = await startVigie({
      cwd: dir,
      env: {
        GITHUB_WEBHOOK_SECRET: SECRET,
        SLACK_WEBHOOK_URL: slack.url,
        REMINDER_HOURS: "0",
        STORM_GROUP_WAIT_SECONDS: "5",
      },
    });
    const bootSeconds = (performance.now() - booting) / 1000;
    const running = vigie;

    // The runtime alone: a hello-world function, same concurrency (warmed by one request first).
    const hello = async () => {
      const started = performance.now();
      const response = await fetch(`${running.url}/bench/hello`, { method: "POST", body: "{}" });
      await response.text();
      invariant(response.status === 200, `the hello-world reference answered ${response.status}`);
      return performance.now() - started;
    };
    await hello();
    const referenceStarted = performance.now();
    const reference = await runConcurrently(REFERENCE_REQUESTS, hello);
    const referenceSeconds = (performance.now() - referenceStarted) / 1000;
    say(
      `burst: local runtime ready in ${bootSeconds.toFixed(1)} s; hello-world reference ` +
        `${(REFERENCE_REQUESTS / referenceSeconds).toFixed(1)}/s; sending ${plan.deliveries.length} deliveries`,
    );

    // One warm-up delivery (a fresh id, ignored) so the first measured one does not pay the runtime's setup.
    const warmUp = JSON.stringify(
      runPayload({ repo: "acme/warm-up", action: "in_progress", conclusion: null }),
    );
    await post(running, {
      repo: "acme/warm-up",
      kind: "in_progress",
      body: warmUp,
      signature: await signGithub(SECRET, warmUp),
      id: randomUUID(),
    });
    const logLinesBefore = running.logLines().length;

    const started = performance.now();
    const results = await runConcurrently(plan.deliveries.length, (index) =>
      post(running, plan.deliveries[index] as Delivery),
    );
    const seconds = (performance.now() - started) / 1000;
    const inVigie = running
      .logLines()
      .slice(logLinesBefore)
      .filter((line) => line.msg === "delivery" && typeof line.ms === "number")
      .map((line) => line.ms as number);
    say(`burst: ${results.length} answered in ${seconds.toFixed(1)} s; sweeping until the outbox is empty`);

    // Sweep until every failing repository is named in an accepted message and nothing is left (≤ 40, 180 s).
    const drainStarted = performance.now();
    const named = (repo: string, recovery = false) =>
      (slack as SlackStandIn)
        .delivered()
        .some((m) => m.raw.includes(repo) && (!recovery || header(m).startsWith("✅")));
    /**
     * A repository that recovers (61–68) may never be named: when its fix (a newer run) is processed before
     * its failure, the failure is older than the newest result and opens nothing (runs are ordered by their
     * own time: docs/architecture.md). That is a decision, not a loss, and it is logged as such: the failure's "processed"
     * line says suppressed, "before the newest result". Only those count as superseded.
     */
    const superseded = (repo: string) =>
      plan.recovering.includes(repo) &&
      !named(repo) &&
      (vigie as Vigie)
        .logLines()
        .some(
          (line) =>
            line.msg === "processed" &&
            line.site === repo &&
            line.decision === "suppressed" &&
            String(line.reason).includes("before the newest result"),
        );
    let sweeps = 0;
    let idleSweeps = 0;
    while (sweeps < 40 && performance.now() - drainStarted < 180_000) {
      const before = slack.delivered().length;
      await vigie.sweep();
      sweeps++;
      const report = vigie
        .logLines()
        .filter((line) => line.msg === "sweep")
        .at(-1);
      const allNamed =
        plan.failing.every((repo) => named(repo) || superseded(repo)) &&
        plan.recovering.every((r) => named(r, true) || superseded(r));
      const nothingLeft =
        report !== undefined &&
        report.sent === 0 &&
        report.retrying === 0 &&
        report.deferred === 0 &&
        report.digests === 0 &&
        slack.delivered().length === before;
      idleSweeps = nothingLeft ? idleSweeps + 1 : 0;
      if (allNamed && idleSweeps >= 1) break;
      // Digests wait STORM_GROUP_WAIT_SECONDS; a 429 asks for 1 s.
      if (nothingLeft) await sleep(1_000);
    }
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    // Everything the runtime printed, for a look after the run (bench/out is git-ignored).
    await mkdir(join(REPO_ROOT, "bench", "out"), { recursive: true });
    await writeFile(join(REPO_ROOT, "bench", "out", "burst.log"), vigie.logs());

    const answers: Record<string, number> = {};
    for (const result of results) {
      const key = `${result.status} ${result.answer}`;
      answers[key] = (answers[key] ?? 0) + 1;
    }
    const times = results.map((r) => r.ms);
    const delivered = slack.delivered();
    return {
      deliveries: results.length,
      repositories: REPOS,
      concurrency: CONCURRENCY,
      seconds: round(seconds, 2),
      deliveriesPerSecond: round(results.length / seconds, 1),
      answerMs: {
        p50: round(quantile(times, 0.5), 0),
        p90: round(quantile(times, 0.9), 0),
        p99: round(quantile(times, 0.99), 0),
        max: round(Math.max(...times), 0),
      },
      answers: Object.fromEntries(Object.entries(answers).sort((a, b) => b[1] - a[1])),
      sweeps,
      drainSeconds: round(drainSeconds, 1),
      slack: {
        messages: delivered.length,
        attempts: slack.messages.length,
        rateLimited: slack.messages.filter((m) => m.status === 429).length,
        failureMessages: delivered.filter((m) => header(m).startsWith("❌")).length,
        failureDigests: delivered.filter((m) => header(m).startsWith("🚨")).length,
        recoveryMessages: delivered.filter((m) => header(m).startsWith("✅ Recovered")).length,
        recoveryDigests: delivered.filter((m) => /^✅ \d+ sites? recovered/.test(header(m))).length,
        headers: delivered.map(header),
      },
      lost: {
        failing: plan.failing.filter((repo) => !named(repo) && !superseded(repo)),
        recovering: plan.recovering.filter((repo) => !named(repo, true) && !superseded(repo)),
      },
      superseded: plan.recovering.filter(superseded),
      quietNamed: plan.quiet.filter((repo) => delivered.some((m) => m.raw.includes(repo))),
      bootSeconds: round(bootSeconds, 1),
      inVigieMs: { p50: round(quantile(inVigie, 0.5), 0), p99: round(quantile(inVigie, 0.99), 0) },
      runtimeReference: {
        requests: REFERENCE_REQUESTS,
        perSecond: round(REFERENCE_REQUESTS / referenceSeconds, 1),
        p50: round(quantile(reference, 0.5), 0),
        p99: round(quantile(reference, 0.99), 0),
      },
    };
  } finally {
    await vigie?.dispose();
    await slack?.close();
    await rm(dir, { recursive: true, force: true });
  }
};
