/**
 * Integration harness: runs the REAL functions through Netlify's local runtime (`netlify functions:serve
 * --offline`, which also starts a local Netlify Blobs server), and a real HTTP server standing in for Slack.
 *
 * Facts about the local runtime this harness relies on (netlify-cli 26, checked by hand):
 * - `functions:serve` prints "Local dev server ready: http://localhost:N" BEFORE it has built the functions;
 *   each one is usable once "Loaded function <name>" is printed, so readiness waits for both.
 * - Each invocation of a v2 function runs in a fresh worker thread that imports the bundle again: module
 *   state (caches, singletons) does not survive from one request to the next.
 * - A function's stdout/stderr (console.*, process.stdout.write) is the CLI's stdout/stderr, line by line,
 *   between the CLI's own lines ("Request from ...", "Response with status 200 in 12 ms.").
 * - Synchronous functions are cut after 30 s (hard-coded for --offline; netlify.toml cannot change it):
 *   the caller then gets a plain-text 500 "TimeoutError: Task timed out after 30.00 seconds".
 * - Blobs live in `<dir>/.netlify/blobs-serve`, so they survive a restart of the CLI.
 * - The local Blobs server's conditional writes are check-then-write with awaits in between: concurrent
 *   `onlyIfNew` writes of one key can BOTH succeed (seen: 3 of 10). Only production Blobs is atomic.
 *   vigie's BlobsStore therefore reads each conditional write back under NETLIFY_DEV (which the CLI sets)
 *   and only the writer whose nonce is there wins, so exactly-once holds here too
 *   (test/unit/store/store-contract.test.ts shows it against a BlobsServer).
 * - A scheduled function is invoked by any request to `/.netlify/functions/<name>` (as a POST whose body is
 *   `{"next_run": ...}`); the answer is the CLI's own (200, or 500 if the function threw), never the
 *   function's body.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { signGithub } from "../../samples/github.ts";
import { type GitlabHeaderOptions, gitlabHeaders } from "../../samples/gitlab.ts";
import { netlifyEventFor, signNetlify } from "../../samples/netlify.ts";
import { buildFunctions } from "../../scripts/build-functions.ts";

/** The repository root (this file is test/integration/harness.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The local netlify-cli, never a global one. */
export const NETLIFY_CLI = join(REPO_ROOT, "node_modules", "netlify-cli", "bin", "run.js");
/**
 * What an isolated project directory holds. The code is COPIED: with `netlify/` or `src/` symlinked, the
 * CLI's bundler mixes the link's path and its target's (the entry point looks for
 * `.netlify/functions-serve/github/tmp/<dir>/netlify/functions/github.mjs` while the bundle is written
 * under `work/main/...`) and every call answers 500 "Cannot find module". node_modules is linked (too big
 * to copy; dependencies are bundled from their real path, which works). `.env` is deliberately absent:
 * tests set the environment.
 */
const COPIED = ["netlify", "src", "netlify.toml", "package.json", "tsconfig.json"] as const;
const LINKED = ["node_modules"] as const;

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences are control characters.
const stripAnsi = (text: string): string => text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");

/** Every process group still running, killed if the test process exits without calling stop(). */
const liveGroups = new Set<number>();
process.once("exit", () => {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/** A free TCP port on this machine (bound then released: a tiny race, acceptable for tests). */
export const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const server = createNetServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });

/** A clean environment for the CLI: the basics a Node process needs, plus what the test gives. */
const cleanEnv = (given: Record<string, string | undefined>): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG", "TZ", "SystemRoot"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  // CI=true keeps netlify-cli from prompting and from spawning its detached telemetry process.
  env.CI = "true";
  env.NO_COLOR = "1";
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
};

/** Names of the functions in `<dir>/netlify/functions` (files `*.mts`, `*.ts`, `*.mjs`, `*.js`). */
const functionNames = async (dir: string): Promise<string[]> => {
  const files = await readdir(join(dir, "netlify", "functions")).catch(() => [] as string[]);
  return files
    .map((file) => /^([^.][^/]*)\.(mts|ts|mjs|js|cjs|cts)$/.exec(file)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
};

export interface StartVigieOptions {
  /** Variables for the functions (on top of PATH, HOME...). `undefined` removes a basic one. */
  env?: Record<string, string | undefined>;
  /**
   * An existing project directory to run in (its `.netlify/blobs-serve` is the store). Default: a new
   * temporary directory with a copy of the code (taken now) and a link to node_modules, so each suite
   * has its own store and is not disturbed by edits made while it runs.
   */
  cwd?: string;
  /** Default: a free port. */
  port?: number;
  /** Functions to wait for ("Loaded function <name>"). Default: every file in netlify/functions. */
  functions?: string[];
  /** Bound on one boot. Default 90 s (a cold boot bundles every function with esbuild). */
  readyTimeoutMs?: number;
}

export interface Vigie {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** The project directory the CLI runs in; the store is `<dir>/.netlify/blobs-serve`. */
  readonly dir: string;
  /** Everything the CLI and the functions printed (stdout and stderr interleaved), across restarts. */
  logs(): string;
  /** The JSON lines of `logs()` (vigie's own log lines), parsed. */
  logLines(): Array<Record<string, unknown>>;
  /** Waits until a log line (JSON parsed, or raw text for a string/RegExp) matches. */
  waitForLog(
    match: string | RegExp | ((line: Record<string, unknown>) => boolean),
    timeoutMs?: number,
  ): Promise<void>;
  /** `fetch(url + path)`, a shorthand. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Runs the scheduled sweep once (POST /.netlify/functions/sweep); resolves with the CLI's answer. */
  sweep(): Promise<Response>;
  /** Stops the CLI (whole process group); state on disk stays. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Stops and starts again on the same directory and port: Blobs state survives. `env` changes variables
   * from then on (merged; `undefined` removes one), e.g. to rotate a secret.
   */
  restart(options?: { env?: Record<string, string | undefined> }): Promise<void>;
  /**
   * Makes the local Blobs server fail for the running instance: `<dir>/.netlify/blobs-serve` is moved aside
   * and replaced by a file, so every read, write and list answers 500 (ENOTDIR) and @netlify/blobs throws
   * BlobsInternalError, after its own retries (5 × 5 s unless NODE_ENV=test in `env`: then 5 × 1 ms).
   * Do not restart while broken: the Blobs server cannot start on a file.
   */
  breakStore(): Promise<void>;
  /** Puts the store back as it was before breakStore(). */
  repairStore(): Promise<void>;
  /** stop(), then removes the directory if the harness created it. */
  dispose(): Promise<void>;
}

/**
 * Starts the real functions in Netlify's local runtime and resolves once every function is loaded.
 * Always `await vigie.stop()` (or dispose()) in afterAll: it kills the CLI's whole process group.
 */
export const startVigie = async (options: StartVigieOptions = {}): Promise<Vigie> => {
  const ownDir = options.cwd === undefined;
  const dir = options.cwd ?? (await mkdtemp(join(tmpdir(), "vigie-it-")));
  if (ownDir) {
    for (const name of COPIED) await cp(join(REPO_ROOT, name), join(dir, name), { recursive: true });
    for (const name of LINKED) await symlink(join(REPO_ROOT, name), join(dir, name));
  }
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const env = cleanEnv(options.env ?? {});
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const blobsDir = join(dir, ".netlify", "blobs-serve");
  const asideDir = join(dir, ".netlify", "blobs-serve.broken-by-harness");

  let output = "";
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const logs = () => output;
  const tail = () => {
    const text = stripAnsi(output);
    return text.length > 6000 ? `…${text.slice(-6000)}` : text;
  };

  const boot = async (): Promise<void> => {
    const expected = options.functions ?? (await functionNames(dir));
    // A vigie project serves dist/functions (netlify.toml, context "dev"), built here from its sources as
    // `npm start` builds them; a probe project without netlify.toml is served from netlify/functions.
    if (existsSync(join(dir, "netlify.toml"))) await buildFunctions({ root: dir, sourcemap: true });
    const bootStart = output.length;
    const spawned = spawn(
      process.execPath,
      [NETLIFY_CLI, "functions:serve", "--offline", "--port", String(port)],
      {
        cwd: dir,
        env,
        detached: true, // own process group, so stop() can kill the CLI and everything it started
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child = spawned;
    const pgid = spawned.pid;
    if (pgid === undefined) throw new Error(`could not spawn ${NETLIFY_CLI}`);
    liveGroups.add(pgid);
    // Decoded by the streams, so a character split across two chunks (❌ in a message) stays whole.
    const append = (chunk: string) => {
      output += chunk;
    };
    spawned.stdout?.setEncoding("utf8").on("data", append);
    spawned.stderr?.setEncoding("utf8").on("data", append);
    let exitCode: number | string | null = null;
    exited = new Promise((done) => {
      spawned.once("exit", (code, signal) => {
        exitCode = code ?? signal;
        done();
      });
    });

    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      const text = stripAnsi(output.slice(bootStart));
      const ready = text.includes("Local dev server ready");
      const missing = expected.filter((name) => !text.includes(`Loaded function ${name}`));
      if (ready && missing.length === 0) break;
      // A build error (the CLI retries on file changes only): fail now rather than at the deadline.
      const failed = missing.filter((name) => text.includes(`Failed to load function ${name}`));
      if (failed.length > 0) {
        await stop();
        throw new Error(`netlify functions:serve could not build ${failed.join(", ")} in ${dir}:\n${tail()}`);
      }
      if (exitCode !== null) {
        await stop();
        throw new Error(
          `netlify functions:serve exited (${exitCode}) before it was ready in ${dir}:\n${tail()}`,
        );
      }
      if (Date.now() > deadline) {
        await stop();
        throw new Error(
          `netlify functions:serve not ready after ${readyTimeoutMs} ms on port ${port} ` +
            `(${ready ? `functions not loaded: ${missing.join(", ")}` : "no 'Local dev server ready'"}):\n${tail()}`,
        );
      }
      await sleep(100);
    }
  };

  const stop = async (): Promise<void> => {
    const current = child;
    if (current === null) return;
    child = null;
    const pgid = current.pid as number;
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-pgid, name);
      } catch {
        // the group is already gone
      }
    };
    signal("SIGTERM");
    const ended = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!ended) signal("SIGKILL");
    await exited;
    // Whatever the CLI started (esbuild's service) goes with the group.
    signal("SIGKILL");
    for (let i = 0; i < 50 && groupAlive(pgid); i++) await sleep(100);
    liveGroups.delete(pgid);
  };

  const groupAlive = (pgid: number): boolean => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };

  const logLines = (): Array<Record<string, unknown>> =>
    stripAnsi(output)
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line.startsWith("{") && line.endsWith("}"))
      .flatMap((line) => {
        try {
          const parsed: unknown = JSON.parse(line);
          return typeof parsed === "object" && parsed !== null ? [parsed as Record<string, unknown>] : [];
        } catch {
          return [];
        }
      });

  const waitForLog: Vigie["waitForLog"] = async (match, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    const found = () => {
      if (typeof match === "function") return logLines().some(match);
      const text = stripAnsi(output);
      return typeof match === "string" ? text.includes(match) : match.test(text);
    };
    while (!found()) {
      if (Date.now() > deadline)
        throw new Error(`no log line matched ${String(match)} within ${timeoutMs} ms:\n${tail()}`);
      await sleep(50);
    }
  };

  const breakStore = async (): Promise<void> => {
    if (existsSync(asideDir)) throw new Error("store is already broken");
    await mkdir(blobsDir, { recursive: true });
    await rename(blobsDir, asideDir);
    await writeFile(blobsDir, "store broken by the integration harness (breakStore)\n");
  };

  const repairStore = async (): Promise<void> => {
    if (!existsSync(asideDir)) return;
    if ((await stat(blobsDir).catch(() => null))?.isFile()) await rm(blobsDir);
    await rename(asideDir, blobsDir);
  };

  try {
    await boot();
  } catch (error) {
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const vigie: Vigie = {
    url,
    port,
    dir,
    logs,
    logLines,
    waitForLog,
    request: (path, init) => fetch(`${url}${path}`, init),
    sweep: () =>
      fetch(`${url}/.netlify/functions/sweep`, {
        method: "POST",
        headers: { "user-agent": "Netlify Clockwork" },
      }),
    stop,
    restart: async (restartOptions = {}) => {
      await stop();
      for (const [name, value] of Object.entries(restartOptions.env ?? {})) {
        if (value === undefined) delete env[name];
        else env[name] = value;
      }
      await boot();
    },
    breakStore,
    repairStore,
    dispose: async () => {
      running.delete(url);
      await stop();
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
  running.set(url, vigie);
  return vigie;
};

/** Every instance started and not disposed, by URL: a test that only has the URL finds its logs. */
const running = new Map<string, Vigie>();

const HTTP_OF: Record<string, number> = { queued: 202, accepted: 202, failed: 502 };
const PROCESSED = new Set([
  "processed",
  "processing failed after the answer; the sweep's scan will finish it",
]);

/**
 * What a delivery came to. vigie answers a failure 202 "accepted" once its stream records it, and announces
 * it after the answer (docs/architecture.md); the outcome is the "processed" log line of that delivery,
 * returned as the answer it would have been (`decision` as `status`). Any other answer is returned as is.
 * Copies of one delivery share its id, and each logs a line (a copy's is `duplicate`): the accepted one's
 * own outcome is the line that is not a duplicate's.
 */
export const outcomeOf = async (url: string, answer: Answer, timeoutMs = 30_000): Promise<Answer> => {
  const vigie = running.get(url);
  if (
    !vigie ||
    answer.status !== 202 ||
    answer.json?.status !== "accepted" ||
    answer.delivery === undefined
  ) {
    return answer;
  }
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const lines = vigie
      .logLines()
      .filter((l) => PROCESSED.has(String(l.msg)) && l.delivery === answer.delivery);
    const own = lines.find((l) => l.decision !== "duplicate");
    const line = own ?? (Date.now() > until - timeoutMs / 2 ? lines[0] : undefined);
    if (line) {
      const decision = String(line.decision ?? "error");
      const json = { status: decision, reason: line.reason };
      return {
        ...answer,
        status: HTTP_OF[decision] ?? (line.decision ? 200 : 500),
        json,
        text: JSON.stringify(json),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no "processed" log line for delivery ${answer.delivery} within ${timeoutMs} ms`);
};

// ---------------------------------------------------------------------------------------------------------
// Slack stand-in

/** How the stand-in answers one request. */
export type SlackReply =
  | { kind: "ok" }
  | { kind: "status"; status: number; body: string; headers?: Record<string, string> }
  /** Holds the request for `ms` (null: until close()), then answers `then` (default ok). */
  | { kind: "hang"; ms: number | null; then?: SlackReply };

/** Ready-made replies, as Slack gives them. https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks#handling_errors */
export const slackReply = {
  ok: (): SlackReply => ({ kind: "ok" }),
  serverError: (status = 500): SlackReply => ({ kind: "status", status, body: "internal_error" }),
  rateLimited: (retryAfterSeconds = 1): SlackReply => ({
    kind: "status",
    status: 429,
    body: "rate_limited",
    headers: { "retry-after": String(retryAfterSeconds) },
  }),
  channelNotFound: (): SlackReply => ({ kind: "status", status: 404, body: "channel_not_found" }),
  invalidPayload: (): SlackReply => ({ kind: "status", status: 400, body: "invalid_payload" }),
  hang: (ms: number, then: SlackReply = { kind: "ok" }): SlackReply => ({ kind: "hang", ms, then }),
  hangForever: (): SlackReply => ({ kind: "hang", ms: null }),
} as const;

export interface SlackRequest {
  /** 0-based arrival order. */
  readonly index: number;
  /** Date.now() at arrival. */
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly raw: string;
  /** The parsed JSON body, or null when it was not JSON. */
  readonly body: Record<string, unknown> | null;
  /** What the stand-in answered; null while the request hangs (or if the client gave up first). */
  status: number | null;
}

export interface SlackStandInOptions {
  /** Replies for the next requests, in order; once empty, `respond` (or ok) answers. */
  queue?: SlackReply[];
  /** Answers requests the queue does not. */
  respond?: (request: SlackRequest) => SlackReply;
  /**
   * Like Slack: more than `limit` accepted messages within `windowMs` get 429 with Retry-After (seconds).
   * `true` means { limit: 1, windowMs: 1000, retryAfterSeconds: 1 }. Checked before the queue.
   */
  strictRate?: boolean | { limit?: number; windowMs?: number; retryAfterSeconds?: number };
  /** The clock of `at` and of the rate window (default Date.now): a test of the window injects its own. */
  now?: () => number;
}

export interface SlackStandIn {
  /** The webhook URL to give vigie as SLACK_WEBHOOK_URL (the path looks like a real one, a secret). */
  readonly url: string;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Every request received, in order, whatever was answered. */
  readonly messages: SlackRequest[];
  /** The requests answered 200 "ok": what reached the channel. */
  delivered(): SlackRequest[];
  /** Adds replies at the end of the queue. */
  enqueue(...replies: SlackReply[]): void;
  /** Replaces the answer for requests the queue does not cover. */
  setRespond(respond: ((request: SlackRequest) => SlackReply) | null): void;
  setStrictRate(strictRate: SlackStandInOptions["strictRate"]): void;
  /** Resolves with `messages` once at least `count` requests arrived. */
  waitForMessages(count: number, timeoutMs?: number): Promise<SlackRequest[]>;
  /** Resolves with `delivered()` once at least `count` requests were answered 200. */
  waitForDelivered(count: number, timeoutMs?: number): Promise<SlackRequest[]>;
  /** Forgets recorded requests (the queue and mode stay). */
  reset(): void;
  /** Closes the server, ending hanging requests. */
  close(): Promise<void>;
}

/** The path of the stand-in's webhook URL: shaped like Slack's, distinctive enough to grep logs for. */
export const SLACK_PATH = "/services/T0VIGIE00/B0VIGIE00/harnessSecretToken0000000";

/** A local HTTP server (127.0.0.1, free port) that behaves like a Slack incoming webhook. */
export const startSlackStandIn = async (options: SlackStandInOptions = {}): Promise<SlackStandIn> => {
  const messages: SlackRequest[] = [];
  const queue: SlackReply[] = [...(options.queue ?? [])];
  let respond = options.respond ?? null;
  let rate = normaliseRate(options.strictRate);
  const hanging = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();

  const answer = (request: SlackRequest, res: ServerResponse, reply: SlackReply): void => {
    if (reply.kind === "hang") {
      hanging.add(res);
      res.once("close", () => hanging.delete(res));
      if (reply.ms === null) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        hanging.delete(res);
        if (!res.destroyed) answer(request, res, reply.then ?? { kind: "ok" });
      }, reply.ms);
      timers.add(timer);
      return;
    }
    const [status, body, headers] =
      reply.kind === "ok" ? [200, "ok", {}] : [reply.status, reply.body, reply.headers ?? {}];
    request.status = status;
    res.writeHead(status, { "content-type": "text/html", ...headers });
    res.end(body);
  };

  const choose = (request: SlackRequest): SlackReply => {
    if (rate !== null) {
      const { limit, windowMs, retryAfterSeconds } = rate;
      const recent = messages.filter(
        (other) => other !== request && other.status === 200 && request.at - other.at < windowMs,
      );
      if (recent.length >= limit) return slackReply.rateLimited(retryAfterSeconds);
    }
    return queue.shift() ?? respond?.(request) ?? slackReply.ok();
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: Record<string, unknown> | null = null;
      try {
        const parsed: unknown = JSON.parse(raw);
        if (typeof parsed === "object" && parsed !== null) body = parsed as Record<string, unknown>;
      } catch {
        body = null;
      }
      const request: SlackRequest = {
        index: messages.length,
        at: (options.now ?? Date.now)(),
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        raw,
        body,
        status: null,
      };
      messages.push(request);
      answer(request, res, choose(request));
    });
  });
  await new Promise<void>((done, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => done());
  });
  const address = server.address();
  const origin = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;

  const waitUntil = async <T>(what: string, check: () => T | null, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = check();
      if (result !== null) return result;
      if (Date.now() > deadline) {
        const seen = messages
          .map((m) => `#${m.index} ${m.status ?? "pending"} ${m.raw.slice(0, 200)}`)
          .join("\n");
        throw new Error(
          `Slack stand-in: ${what} not reached within ${timeoutMs} ms; received:\n${seen || "(nothing)"}`,
        );
      }
      await sleep(25);
    }
  };
  const delivered = () => messages.filter((message) => message.status === 200);

  return {
    url: `${origin}${SLACK_PATH}`,
    origin,
    messages,
    delivered,
    enqueue: (...replies) => queue.push(...replies),
    setRespond: (next) => {
      respond = next;
    },
    setStrictRate: (next) => {
      rate = normaliseRate(next);
    },
    waitForMessages: (count, timeoutMs = 15_000) =>
      waitUntil(`${count} request(s)`, () => (messages.length >= count ? messages : null), timeoutMs),
    waitForDelivered: (count, timeoutMs = 15_000) =>
      waitUntil(
        `${count} delivered message(s)`,
        () => (delivered().length >= count ? delivered() : null),
        timeoutMs,
      ),
    reset: () => {
      messages.length = 0;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const res of hanging) res.destroy();
      hanging.clear();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
};

const normaliseRate = (
  strictRate: SlackStandInOptions["strictRate"],
): { limit: number; windowMs: number; retryAfterSeconds: number } | null => {
  if (strictRate === undefined || strictRate === false) return null;
  const given = strictRate === true ? {} : strictRate;
  return {
    limit: given.limit ?? 1,
    windowMs: given.windowMs ?? 1000,
    retryAfterSeconds: given.retryAfterSeconds ?? 1,
  };
};

// ---------------------------------------------------------------------------------------------------------
// Signed deliveries

export interface Answer {
  /** The delivery id vigie logs for this request (GitHub's X-GitHub-Delivery; Netlify's body hash). */
  readonly delivery?: string;
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON answer, or null. */
  readonly json: Record<string, unknown> | null;
}

const toAnswer = async (response: Response, delivery?: string): Promise<Answer> => {
  const text = await response.text();
  let json: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null) json = parsed as Record<string, unknown>;
  } catch {
    json = null;
  }
  return {
    ...(delivery === undefined ? {} : { delivery }),
    status: response.status,
    headers: response.headers,
    text,
    json,
  };
};

export interface PostOptions {
  /**
   * The webhook's own answer. By default a 202 "accepted" (the event is in the inbox and processed after
   * the answer) is followed to its outcome, the "processed" log line, and returned as that answer.
   */
  raw?: boolean;
  /** Signs the body with it; omit to send no signature. */
  secret?: string;
  /** Extra or overriding headers (e.g. a forged signature). */
  headers?: Record<string, string>;
}

export interface GithubPostOptions extends PostOptions {
  /** X-GitHub-Event, default "workflow_run"; null leaves the header out. */
  event?: string | null;
  /** X-GitHub-Delivery, default a random UUID. */
  delivery?: string;
}

/** POSTs a signed GitHub delivery to `<url>/webhooks/github`. An object body is sent as JSON. */
export const postGithub = async (
  url: string,
  body: object | string,
  options: GithubPostOptions = {},
): Promise<Answer> => {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/vigie-harness",
    "x-github-delivery": options.delivery ?? randomUUID(),
  };
  const event = options.event === undefined ? "workflow_run" : options.event;
  if (event !== null) headers["x-github-event"] = event;
  if (options.secret !== undefined) headers["x-hub-signature-256"] = await signGithub(options.secret, text);
  return toAnswer(
    await fetch(`${url}/webhooks/github`, {
      method: "POST",
      headers: { ...headers, ...options.headers },
      body: text,
    }),
    options.headers?.["x-github-delivery"] ?? headers["x-github-delivery"],
  ).then((answer) => (options.raw ? answer : outcomeOf(url, answer)));
};

export interface NetlifyPostOptions extends PostOptions {
  /** X-Netlify-Event; default follows the deploy's `state` (fixtures' netlifyEventFor); null leaves it out. */
  event?: string | null;
}

/** POSTs a signed Netlify deploy notification to `<url>/webhooks/netlify`. An object body is sent as JSON. */
export const postNetlify = async (
  url: string,
  body: object | string,
  options: NetlifyPostOptions = {},
): Promise<Answer> => {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "Netlify" };
  const event =
    options.event === undefined
      ? typeof body === "string"
        ? null
        : netlifyEventFor((body as { state?: unknown }).state)
      : options.event;
  if (event !== null) headers["x-netlify-event"] = event;
  if (options.secret !== undefined) headers["x-webhook-signature"] = await signNetlify(options.secret, text);
  return toAnswer(
    await fetch(`${url}/webhooks/netlify`, {
      method: "POST",
      headers: { ...headers, ...options.headers },
      body: text,
    }),
    `netlify:${createHash("sha256").update(text).digest("hex").slice(0, 16)}`,
  ).then((answer) => (options.raw ? answer : outcomeOf(url, answer)));
};

export interface GitlabPostOptions extends GitlabHeaderOptions {
  /** Extra or overriding headers. */
  headers?: Record<string, string>;
  /** The webhook's own answer, as for `postGithub` (default: a 202 "accepted" is followed to its outcome). */
  raw?: boolean;
}

/**
 * POSTs a GitLab delivery to `<url>/webhooks/gitlab`: X-Gitlab-Token (`token`, default the fixtures'),
 * `Idempotency-Key` (the delivery id vigie logs), and with `signingToken` the Standard Webhooks signature.
 * An object body is sent as JSON.
 */
export const postGitlab = async (
  url: string,
  body: object | string,
  options: GitlabPostOptions = {},
): Promise<Answer> => {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const { headers: extra, raw, ...headerOptions } = options;
  const idempotencyKey = headerOptions.idempotencyKey ?? randomUUID();
  return toAnswer(
    await fetch(`${url}/webhooks/gitlab`, {
      method: "POST",
      headers: { ...gitlabHeaders(text, { ...headerOptions, idempotencyKey }), ...extra },
      body: text,
    }),
    extra?.["idempotency-key"] ?? idempotencyKey,
  ).then((answer) => (raw ? answer : outcomeOf(url, answer)));
};

/** POSTs to any path of the running instance (headers as given, nothing signed) and reads the answer. */
export const post = async (
  url: string,
  path: string,
  body: object | string,
  headers: Record<string, string> = {},
): Promise<Answer> =>
  toAnswer(
    await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
