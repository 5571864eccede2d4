import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Bench, type FnOptions } from "tinybench";
import { failedRunPayload, signGithub } from "../samples/github.ts";
import { handleWebhook, type WebhookDeps } from "../src/http/handle-webhook.ts";
import { createLogger } from "../src/log.ts";
import type { PipelineDeps } from "../src/pipeline/pipeline.ts";
import { formatNotice } from "../src/slack/format-notice.ts";
import type { SlackSender } from "../src/slack/message.ts";
import { createSlackSender } from "../src/slack/send.ts";
import { githubSource } from "../src/sources/github/github-source.ts";
import { BlobsStore } from "../src/store/blobs-store.ts";
import { MemoryStore } from "../src/store/memory-store.ts";
import { floor, gc, request, SECRET, type Signed, sign } from "./cpu-request.ts";
import { BenchInvariantError, invariant, median, muteStdout, round } from "./stats.ts";

export interface CpuTaskResult {
  readonly name: string;
  /** Median over rounds of each round's median latency, ms. */
  readonly p50Ms: number;
  /** Median over rounds of (this task's median / the median of the floor calls paired with it). */
  readonly ratio: number;
  /** The per-round ratios, to show the spread. */
  readonly ratios: readonly number[];
  readonly samples: number;
  readonly target: number | null;
}

export interface CpuResult {
  readonly bodyBytes: number;
  readonly rounds: number;
  readonly tasks: readonly CpuTaskResult[];
  readonly checks: {
    readonly ignoredAnswers: number;
    readonly ignoredFetchCalls: number;
    readonly ignoredBlobsOpens: number;
    readonly notifiedAnswers: number;
    readonly slackMessages: number;
    readonly notifiedOverHttp: number;
    readonly httpMessages: number;
  };
}

export const runCpu = async (options: { rounds?: number; timeMs?: number } = {}): Promise<CpuResult> => {
  const rounds = options.rounds ?? 12;
  const timeMs = options.timeMs ?? 150;

  // Counted before anything can capture them: the ignored path must call neither.
  let fetchCalls = 0;
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((...args: Parameters<typeof fetch>) => {
    fetchCalls++;
    return realFetch(...args);
  }) as typeof fetch;
  let blobsOpens = 0;
  const realOpen = BlobsStore.open;
  BlobsStore.open = (...args: Parameters<typeof BlobsStore.open>) => {
    blobsOpens++;
    return realOpen.apply(BlobsStore, args);
  };
  for (const name of Object.keys(process.env)) {
    if (name.startsWith("NETLIFY_BLOBS") || name === "NETLIFY_PURGE_API_TOKEN") delete process.env[name];
  }
  process.env.GITHUB_WEBHOOK_SECRET = SECRET;
  delete process.env.GITHUB_WEBHOOK_SECRET_PREVIOUS;
  const { default: githubFunction } = await import("../netlify/functions/github.mts");
  // The ignored path never reaches `waitUntil`; a context without it keeps any other path inline.
  const NO_CONTEXT = {} as Parameters<typeof githubFunction>[1];

  const cancelled = await sign(failedRunPayload({ repo: "acme/site-1", conclusion: "cancelled" }));
  const inProgress = await sign(
    failedRunPayload({ repo: "acme/site-1", action: "in_progress", conclusion: null }),
  );

  // The notified path: real pipeline, MemoryStore, real Slack sender over an in-process fetch.
  const env = {
    GITHUB_WEBHOOK_SECRET: SECRET,
    SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0BENCH00/B0BENCH00/benchSecretToken000000",
    STORM_THRESHOLD: "1000000000",
    REMINDER_HOURS: "0",
  };
  const log = createLogger();
  let slackMessages = 0;
  const okFetch = (async (_input: string | URL | Request, init?: RequestInit) => {
    slackMessages++;
    if (typeof init?.body !== "string" || !init.body.includes('"blocks"')) {
      throw new BenchInvariantError("the Slack stand-in received no Block Kit message");
    }
    return new Response("ok", { status: 200, headers: { "content-type": "text/html" } });
  }) as typeof fetch;
  const fakeSlack = createSlackSender({ url: env.SLACK_WEBHOOK_URL, timeoutMs: 5_000, fetch: okFetch, log });

  // The information-only variant: the same sender's real fetch to a local HTTP server.
  let httpMessages = 0;
  const server = createServer((req, res) => {
    httpMessages++;
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "text/html" }).end("ok"));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const httpUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0BENCH00/B0BENCH00/x`;
  const httpSlack = createSlackSender({ url: httpUrl, timeoutMs: 5_000, fetch: realFetch, log });

  let store = new MemoryStore();
  const depsFor = (slack: SlackSender): WebhookDeps => ({
    env,
    log,
    now: Date.now,
    pipeline: (config): PipelineDeps => ({
      config,
      store,
      // The outbox holds notices; a Slack destination formats them at send time (src/destinations/).
      slack: { send: (message, options) => slack.send(formatNotice(message), options) },
      log,
      now: Date.now,
      sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
      slackIntervalMs: 0,
      slackTimeoutMs: 5_000,
    }),
  });
  const fakeDeps = depsFor(fakeSlack);
  const httpDeps = depsFor(httpSlack);

  // A new repository each iteration: a new stream, so an episode opens and a message goes out. The body
  // is the real failed run with its repository name swapped (same length, so the same ≈19 KB), and signed;
  // building it outside the timed call produces little garbage, so little GC lands in the measured calls.
  const template = JSON.stringify(failedRunPayload({ repo: "acme/bench-site-000000" }));
  let repoCounter = 0;
  let next: Signed = cancelled;
  const nextFailure = async () => {
    const body = template.replaceAll(
      "bench-site-000000",
      `bench-site-${String(++repoCounter).padStart(6, "0")}`,
    );
    next = { body, signature: await signGithub(SECRET, body) };
    store = new MemoryStore();
  };

  // The answer is read and checked after each call, outside the timed window: the platform reads it.
  let answer: Response | null = null;
  const expectStatus = (expected: string) => async () => {
    const text = (await answer?.text()) ?? "";
    const status = (JSON.parse(text || "{}") as { status?: string }).status;
    invariant(
      answer?.status === 200 && status === expected,
      `expected 200 ${expected}, got ${answer?.status} ${text}`,
    );
    answer = null;
  };
  let ignoredAnswers = 0;
  let notifiedAnswers = 0;
  let notifiedOverHttp = 0;
  const ignoredHooks = {
    beforeAll: () => {
      fetchCalls = 0;
      blobsOpens = 0;
    },
    afterEach: async () => {
      await expectStatus("ignored")();
      ignoredAnswers++;
    },
    afterAll: () => {
      if (fetchCalls !== 0 || blobsOpens !== 0) {
        throw new BenchInvariantError(
          `an ignored delivery called fetch ${fetchCalls} times and BlobsStore.open ${blobsOpens} times: it must call neither`,
        );
      }
    },
  };
  const notifiedHooks = {
    beforeEach: nextFailure,
    afterEach: async () => {
      await expectStatus("notified")();
      notifiedAnswers++;
    },
  };
  const notifiedOverHttpHooks = {
    beforeEach: nextFailure,
    afterEach: async () => {
      await expectStatus("notified")();
      notifiedOverHttp++;
    },
  };

  const floorTask = () => floor(cancelled);
  const throughFunction = (signed: () => Signed) => async () => {
    answer = await githubFunction(request(signed()), NO_CONTEXT);
  };
  const throughPipeline = (deps: WebhookDeps) => async () => {
    answer = await handleWebhook(request(next), githubSource, deps);
  };

  const names = [
    "floor: read body + HMAC-SHA256 + JSON.parse",
    "ignored delivery, cancelled (real function)",
    "ignored delivery, in_progress (real function)",
    "notified failure (pipeline, MemoryStore, Slack sender)",
    "notified failure, Slack over local HTTP (info)",
  ] as const;
  const targets: Record<string, number | null> = {
    [names[0]]: null,
    [names[1]]: 1.5,
    [names[2]]: 1.5,
    [names[3]]: 2.5,
    [names[4]]: null,
  };
  const perRound = new Map<string, { p50: number[]; ratio: number[]; samples: number }>(
    names.map((name) => [name, { p50: [], ratio: [], samples: 0 }]),
  );

  // Each measured delivery is paired with a floor call in the same iteration (order alternating), timed
  // apart: both meet the same moment of a busy machine. tinybench schedules, warms up and records the
  // delivery's time (`overriddenDuration`); the paired floor times are kept alongside.
  const pairedFloor = new Map<string, number[]>();
  const pairedTask = new Map<string, number[]>();
  const paired = (name: string, candidate: () => Promise<void>) => {
    let flip = false;
    return async () => {
      flip = !flip;
      let floorMs: number;
      let taskMs: number;
      if (flip) {
        const t0 = performance.now();
        await floorTask();
        const t1 = performance.now();
        await candidate();
        taskMs = performance.now() - t1;
        floorMs = t1 - t0;
      } else {
        const t0 = performance.now();
        await candidate();
        const t1 = performance.now();
        await floorTask();
        floorMs = performance.now() - t1;
        taskMs = t1 - t0;
      }
      pairedFloor.get(name)?.push(floorMs);
      pairedTask.get(name)?.push(taskMs);
      return { overriddenDuration: taskMs };
    };
  };
  const withReset = (name: string, hooks: FnOptions): FnOptions => ({
    ...hooks,
    beforeAll: async function (this, mode) {
      await hooks.beforeAll?.call(this, mode);
      // Warmup samples are not kept.
      pairedFloor.set(name, []);
      pairedTask.set(name, []);
    },
  });

  const tasks: Array<[string, () => Promise<unknown>, FnOptions]> = [
    [names[0], floorTask, {}],
    [
      names[1],
      paired(
        names[1],
        throughFunction(() => cancelled),
      ),
      withReset(names[1], ignoredHooks),
    ],
    [
      names[2],
      paired(
        names[2],
        throughFunction(() => inProgress),
      ),
      withReset(names[2], ignoredHooks),
    ],
    [names[3], paired(names[3], throughPipeline(fakeDeps)), withReset(names[3], notifiedHooks)],
    [names[4], paired(names[4], throughPipeline(httpDeps)), withReset(names[4], notifiedOverHttpHooks)],
  ];
  try {
    const { lines } = await muteStdout(async () => {
      for (let r = 0; r < rounds; r++) {
        // Short rounds, the task order rotated each round, a full GC before each task.
        const bench = new Bench({
          time: timeMs,
          iterations: 10,
          warmupTime: 50,
          warmupIterations: 10,
          throws: true,
          setup: () => gc?.(),
        });
        for (let i = 0; i < tasks.length; i++) {
          const [name, fn, hooks] = tasks[(i + r) % tasks.length] as (typeof tasks)[number];
          bench.add(name, fn, hooks);
        }
        await bench.run();
        for (const name of names) {
          const result = bench.getTask(name)?.result;
          if (result?.state !== "completed") {
            const error = result?.state === "errored" ? result.error : null;
            if (error instanceof BenchInvariantError) throw error;
            throw new Error(`task ${name} did not complete: ${String(error ?? result?.state)}`);
          }
          const entry = perRound.get(name);
          if (!entry) continue;
          entry.samples += result.latency.samplesCount;
          if (name === names[0]) {
            entry.p50.push(result.latency.p50);
            entry.ratio.push(1);
            continue;
          }
          const task = median(pairedTask.get(name) ?? []);
          entry.p50.push(task);
          entry.ratio.push(task / median(pairedFloor.get(name) ?? []));
        }
      }
    });
    invariant(lines.length > 0, "the function logged nothing: its delivery log line is part of the cost");
  } finally {
    globalThis.fetch = realFetch;
    BlobsStore.open = realOpen;
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }

  invariant(
    slackMessages === notifiedAnswers && httpMessages === notifiedOverHttp,
    `every notified delivery must post exactly one message: ${notifiedAnswers} + ${notifiedOverHttp} answers, ` +
      `${slackMessages} + ${httpMessages} messages`,
  );
  return {
    bodyBytes: Buffer.byteLength(cancelled.body),
    rounds,
    tasks: names.map((name) => {
      const entry = perRound.get(name) ?? { p50: [], ratio: [], samples: 0 };
      return {
        name,
        p50Ms: round(median(entry.p50), 4),
        ratio: round(median(entry.ratio), 3),
        ratios: entry.ratio.map((ratio) => round(ratio, 3)),
        samples: entry.samples,
        target: targets[name] ?? null,
      };
    }),
    checks: {
      ignoredAnswers,
      ignoredFetchCalls: fetchCalls,
      ignoredBlobsOpens: blobsOpens,
      notifiedAnswers,
      slackMessages,
      notifiedOverHttp,
      httpMessages,
    },
  };
};
