import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.ts";
import { memoryLogger } from "../../../src/log.ts";
import type { PipelineDeps } from "../../../src/pipeline/pipeline.ts";
import { CONFIG_ERROR_PAUSE_MS } from "../../../src/redelivery/explain.ts";
import type { RedeliverySettings } from "../../../src/redelivery/github-api.ts";
import { MAX_ATTEMPTS_PER_GUID } from "../../../src/redelivery/plan.ts";
import {
  createRedeliverer,
  MAX_PAGES_PER_SWEEP,
  MAX_REDELIVERIES_PER_SWEEP,
} from "../../../src/redelivery/redeliverer.ts";
import { REDELIVERY_KEYS } from "../../../src/redelivery/state.ts";
import { MemoryStore } from "../../../src/store/memory-store.ts";
import { Clock } from "../clock.ts";
import { FakeSlack } from "../fake-slack.ts";

const TOKEN = "ghp_vigieTestToken0123456789abcdefghijklmnop";
const ORG = "acme-sites";
const HOOK_ID = 4242;
const MINUTE = 60_000;

interface FakeDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: null;
  repository_id: number;
  throttled_at: null;
}

interface CannedError {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  apiVersion: string | undefined;
}

/**
 * A stand-in for the GitHub REST API, over real HTTP: lists the org hook's deliveries newest first with
 * cursor pagination in a Link header, records redelivery POSTs (202) and, like GitHub, lists a redelivery
 * as a new delivery with the same GUID once it is made. Checks the Bearer token like GitHub (401).
 */
class FakeGitHub {
  readonly deliveries: FakeDelivery[] = [];
  readonly requests: Seen[] = [];
  /** Delivery ids whose redelivery was asked for, in order. */
  readonly attempts: number[] = [];
  /** Server-side page size (GitHub honours per_page up to 100; smaller here to exercise pagination). */
  pageSize = 100;
  /** Every request answers this instead. */
  fail: CannedError | null = null;
  /** Redelivery POSTs answer this instead. */
  failPost: CannedError | null = null;
  /** What a redelivery comes to, listed 1 s after the POST; null: not made yet. */
  redeliveryOutcome: { status: string; status_code: number } | null = null;
  url = "";
  #nextId = 1_000_000_000;
  #server: Server | null = null;

  constructor(private readonly clock: Clock) {}

  add(
    guid: string,
    minutesAgo: number,
    outcome: { status?: string; status_code?: number; event?: string; redelivery?: boolean } = {},
  ): FakeDelivery {
    const delivery: FakeDelivery = {
      id: this.#nextId++,
      guid,
      delivered_at: new Date(this.clock.now() - minutesAgo * MINUTE).toISOString(),
      redelivery: outcome.redelivery ?? false,
      duration: 0.25,
      status: outcome.status ?? "OK",
      status_code: outcome.status_code ?? 200,
      event: outcome.event ?? "workflow_run",
      action: "completed",
      installation_id: null,
      repository_id: 1,
      throttled_at: null,
    };
    this.deliveries.push(delivery);
    return delivery;
  }

  failed(guid: string, minutesAgo: number, statusCode = 502, event = "workflow_run"): FakeDelivery {
    return this.add(guid, minutesAgo, {
      status: `Invalid HTTP Response: ${statusCode}`,
      status_code: statusCode,
      event,
    });
  }

  get lists(): Seen[] {
    return this.requests.filter((request) => request.method === "GET");
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  #send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    res.end(JSON.stringify(body));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", this.url);
    const header = (name: string) =>
      typeof req.headers[name] === "string" ? (req.headers[name] as string) : undefined;
    this.requests.push({
      method: req.method ?? "",
      path: url.pathname,
      query: url.searchParams,
      authorization: header("authorization"),
      apiVersion: header("x-github-api-version"),
    });
    req.resume();
    if (header("authorization") !== `Bearer ${TOKEN}`) {
      this.#send(res, 401, {
        message: "Bad credentials",
        documentation_url: "https://docs.github.com/rest",
        status: "401",
      });
      return;
    }
    const canned = req.method === "POST" ? (this.failPost ?? this.fail) : this.fail;
    if (canned) {
      this.#send(
        res,
        canned.status,
        { message: canned.message, documentation_url: "https://docs.github.com/rest" },
        canned.headers,
      );
      return;
    }
    const base = `/orgs/${ORG}/hooks/${HOOK_ID}/deliveries`;
    if (req.method === "GET" && url.pathname === base) {
      const sorted = [...this.deliveries].sort(
        (a, b) => Date.parse(b.delivered_at) - Date.parse(a.delivered_at) || b.id - a.id,
      );
      const size = Math.min(Number(url.searchParams.get("per_page") ?? 30), this.pageSize);
      const offset = Number((url.searchParams.get("cursor") ?? "v1_0").slice(3));
      const page = sorted.slice(offset, offset + size);
      const headers: Record<string, string> = {};
      if (offset + size < sorted.length) {
        headers.link = `<${this.url}${base}?per_page=${size}&cursor=v1_${offset + size}>; rel="next"`;
      }
      this.#send(res, 200, page, headers);
      return;
    }
    const post = new RegExp(`^${base}/(\\d+)/attempts$`).exec(url.pathname);
    const original = post ? this.deliveries.find((delivery) => delivery.id === Number(post[1])) : undefined;
    if (req.method === "POST" && original) {
      this.attempts.push(original.id);
      if (this.redeliveryOutcome) {
        const redelivered = this.add(original.guid, 0, { ...this.redeliveryOutcome, redelivery: true });
        redelivered.delivered_at = new Date(this.clock.now() + 1_000).toISOString();
      }
      this.#send(res, 202, {});
      return;
    }
    this.#send(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
  }
}

let clock: Clock;
let github: FakeGitHub;

beforeEach(async () => {
  clock = new Clock();
  github = new FakeGitHub(clock);
  await github.start();
});

afterEach(async () => {
  await github.stop();
});

const setup = (env: Record<string, string> = {}) => {
  const config = loadConfig({
    GITHUB_TOKEN: TOKEN,
    GITHUB_ORG: ORG,
    GITHUB_HOOK_ID: String(HOOK_ID),
    GITHUB_API_URL: github.url,
    ...env,
  });
  const settings: RedeliverySettings | null = config.githubRedelivery;
  if (!settings) throw new Error("GITHUB_TOKEN, GITHUB_ORG and GITHUB_HOOK_ID should enable redelivery");
  const store = new MemoryStore();
  const logs = memoryLogger();
  const deps: PipelineDeps = {
    config,
    store,
    slack: new FakeSlack(),
    log: logs.log,
    now: clock.now,
    sleep: clock.sleep,
    slackIntervalMs: 0,
    slackTimeoutMs: 5_000,
  };
  const redeliver = createRedeliverer(settings, { log: logs.log });
  return { store, logs, deps, settings, sweep: () => redeliver(deps, clock.now() + 20_000) };
};

const guidRecord = (store: MemoryStore, guid: string) =>
  store.snapshot()[REDELIVERY_KEYS.guid(guid)] as { attempts: number; deliveryId: string } | undefined;

describe("createRedeliverer", () => {
  it("redelivers a failed workflow_run delivery once, with a Bearer token and the API version", async () => {
    const { sweep, store } = setup();
    github.add("guid-ok", 30);
    const failed = github.failed("guid-failed", 20);

    await expect(sweep()).resolves.toBe(1);

    expect(github.attempts).toEqual([failed.id]);
    expect(guidRecord(store, "guid-failed")).toMatchObject({ attempts: 1, deliveryId: String(failed.id) });
    expect(store.snapshot()[REDELIVERY_KEYS.lastCheck]).toMatchObject({ at: clock.now() });
    for (const request of github.requests) {
      expect(request.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request.apiVersion).toBe("2022-11-28");
    }
    expect(github.lists[0]?.query.get("per_page")).toBe("100");
  });

  it("skips a GUID whose later redelivery succeeded, OK deliveries, and events other than workflow_run", async () => {
    const { sweep } = setup();
    github.failed("guid-recovered", 40);
    github.add("guid-recovered", 30, { redelivery: true });
    github.add("guid-ok", 20);
    github.failed("guid-ping", 10, 401, "ping");
    github.failed("guid-push", 10, 500, "push");

    await expect(sweep()).resolves.toBe(0);
    expect(github.attempts).toEqual([]);
  });

  it("redelivers the most recent failed delivery of a GUID that failed several times", async () => {
    const { sweep } = setup();
    github.failed("guid-twice", 30, 503);
    const latest = github.failed("guid-twice", 10, 503);

    await expect(sweep()).resolves.toBe(1);
    expect(github.attempts).toEqual([latest.id]);
  });

  it("follows the Link header's cursor to older pages", async () => {
    const { sweep } = setup();
    github.pageSize = 2;
    for (let minute = 1; minute <= 6; minute++) github.add(`guid-ok-${minute}`, minute);
    const oldest = github.failed("guid-on-page-4", 50);

    await expect(sweep()).resolves.toBe(1);

    expect(github.attempts).toEqual([oldest.id]);
    expect(github.lists.map((request) => request.query.get("cursor"))).toEqual([
      null,
      "v1_2",
      "v1_4",
      "v1_6",
    ]);
  });

  it("does not redeliver again on the next sweep, and reads only deliveries since the last check", async () => {
    const { sweep } = setup();
    github.pageSize = 2;
    for (let minute = 30; minute < 40; minute++) github.add(`guid-old-${minute}`, minute);
    const failed = github.failed("guid-failed", 20);
    await expect(sweep()).resolves.toBe(1);
    const firstSweepLists = github.lists.length;
    expect(firstSweepLists).toBe(6);

    clock.advance(MINUTE);
    github.add("guid-new", 0);
    await expect(sweep()).resolves.toBe(0);

    expect(github.attempts).toEqual([failed.id]);
    // The first page already reaches deliveries older than the last check: pagination stops there.
    expect(github.lists.length - firstSweepLists).toBe(1);
  });

  it("does not redeliver a failure seen again in the look-back overlap before its redelivery is listed", async () => {
    const { sweep, store } = setup();
    const failed = github.failed("guid-recent", 0.5);
    await expect(sweep()).resolves.toBe(1);

    // Still within OVERLAP_MS of the last check, and GitHub has not listed the redelivery yet.
    clock.advance(MINUTE);
    await expect(sweep()).resolves.toBe(0);

    expect(github.attempts).toEqual([failed.id]);
    expect(guidRecord(store, "guid-recent")).toMatchObject({ attempts: 1 });
  });

  it("on the first sweep looks back 3 days at most, and stops paginating there", async () => {
    const { sweep } = setup();
    github.pageSize = 2;
    github.add("guid-recent", 10);
    github.add("guid-two-days", 2 * 24 * 60);
    github.failed("guid-four-days", 4 * 24 * 60);
    github.failed("guid-five-days", 5 * 24 * 60);
    github.failed("guid-six-days", 6 * 24 * 60);

    await expect(sweep()).resolves.toBe(0);
    expect(github.attempts).toEqual([]);
    expect(github.lists).toHaveLength(2);
  });

  it(`redelivers a GUID at most ${MAX_ATTEMPTS_PER_GUID} times, then warns once with what vigie answered`, async () => {
    const { sweep, store, logs } = setup();
    github.redeliveryOutcome = { status: "Invalid HTTP Response: 401", status_code: 401 };
    github.failed("guid-wrong-secret", 5, 401);

    const counts: number[] = [];
    for (let sweepNumber = 0; sweepNumber < 6; sweepNumber++) {
      counts.push(await sweep());
      clock.advance(MINUTE);
    }

    expect(counts).toEqual([1, 1, 1, 0, 0, 0]);
    expect(github.attempts).toHaveLength(MAX_ATTEMPTS_PER_GUID);
    expect(new Set(github.attempts).size).toBe(MAX_ATTEMPTS_PER_GUID);
    expect(guidRecord(store, "guid-wrong-secret")).toMatchObject({ attempts: MAX_ATTEMPTS_PER_GUID });
    const warnings = logs.lines.filter((line) => String(line.msg).includes("vigie stops redelivering"));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.hint)).toContain("GITHUB_WEBHOOK_SECRET");
  });

  it("stops once a redelivery succeeds", async () => {
    const { sweep } = setup();
    github.redeliveryOutcome = { status: "OK", status_code: 200 };
    github.failed("guid-down", 5, 503);

    await expect(sweep()).resolves.toBe(1);
    clock.advance(MINUTE);
    await expect(sweep()).resolves.toBe(0);
    expect(github.attempts).toHaveLength(1);
  });

  it(`asks for at most ${MAX_REDELIVERIES_PER_SWEEP} redeliveries per sweep; the rest wait for the next one`, async () => {
    const { sweep } = setup();
    const total = MAX_REDELIVERIES_PER_SWEEP + 5;
    for (let index = 0; index < total; index++) github.failed(`guid-${index}`, 60 - index);

    await expect(sweep()).resolves.toBe(MAX_REDELIVERIES_PER_SWEEP);
    clock.advance(10 * MINUTE);
    await expect(sweep()).resolves.toBe(5);
    clock.advance(MINUTE);
    await expect(sweep()).resolves.toBe(0);

    expect(github.attempts).toHaveLength(total);
    expect(new Set(github.attempts).size).toBe(total);
    // Oldest first.
    expect(github.attempts[0]).toBe(github.deliveries[0]?.id);
  });

  it("resumes older pages that did not fit in one sweep", async () => {
    const { sweep } = setup();
    github.pageSize = 2;
    const fitting = MAX_PAGES_PER_SWEEP * 2;
    for (let index = 0; index < fitting + 4; index++) github.add(`guid-ok-${index}`, 10 + index);
    const oldest = github.failed("guid-oldest", 24 * 60);

    await expect(sweep()).resolves.toBe(0);
    expect(github.lists).toHaveLength(MAX_PAGES_PER_SWEEP);

    clock.advance(MINUTE);
    await expect(sweep()).resolves.toBe(1);
    expect(github.attempts).toEqual([oldest.id]);
  });

  it("stops at the deadline without asking GitHub anything", async () => {
    const { deps, settings, logs } = setup();
    github.failed("guid-failed", 5);
    const redeliver = createRedeliverer(settings, { log: logs.log });

    await expect(redeliver(deps, clock.now() + 500)).resolves.toBe(0);
    expect(github.requests).toEqual([]);
  });

  it("logs a 401 with what to check, does not throw, and pauses before asking again", async () => {
    const { deps, settings, logs, store } = setup();
    github.failed("guid-failed", 5);
    const wrongToken = "ghp_revokedToken9876543210zyxwvutsrqponm";
    const redeliver = createRedeliverer({ ...settings, token: wrongToken }, { log: logs.log });

    await expect(redeliver(deps, clock.now() + 20_000)).resolves.toBe(0);

    const errors = logs.lines.filter((line) => line.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toContain("GITHUB_TOKEN");
    expect(errors[0]?.msg).toContain("admin:org_hook");
    expect(errors[0]).toMatchObject({ status: 401, github: expect.stringContaining("Bad credentials") });
    expect(logs.text()).not.toContain(wrongToken);
    expect(JSON.stringify(store.snapshot())).not.toContain(wrongToken);

    const requests = github.requests.length;
    clock.advance(MINUTE);
    await expect(redeliver(deps, clock.now() + 20_000)).resolves.toBe(0);
    expect(github.requests).toHaveLength(requests);

    // A new token lifts the pause at once.
    await expect(createRedeliverer(settings, { log: logs.log })(deps, clock.now() + 20_000)).resolves.toBe(1);
  });

  it("names GITHUB_HOOK_ID and GITHUB_ORG on a 404", async () => {
    const { sweep, logs } = setup({ GITHUB_HOOK_ID: "999" });
    github.failed("guid-failed", 5);

    await expect(sweep()).resolves.toBe(0);

    const error = logs.lines.find((line) => line.level === "error");
    expect(error?.msg).toContain('GITHUB_HOOK_ID 999 not found in GITHUB_ORG "acme-sites"');
    expect(error).toMatchObject({ status: 404 });
  });

  it("logs a GitHub 500 and tries again on the next sweep", async () => {
    const { sweep, logs } = setup();
    const failed = github.failed("guid-failed", 5);
    github.fail = { status: 500, message: "Server Error" };

    await expect(sweep()).resolves.toBe(0);
    expect(logs.lines.find((line) => line.level === "error")?.msg).toContain("GitHub API error (500)");

    github.fail = null;
    clock.advance(MINUTE);
    await expect(sweep()).resolves.toBe(1);
    expect(github.attempts).toEqual([failed.id]);
  });

  it("pauses until the rate limit resets", async () => {
    const { sweep, logs } = setup();
    github.failed("guid-failed", 5);
    const reset = Math.floor((clock.now() + 30 * MINUTE) / 1000);
    github.fail = {
      status: 403,
      message: "API rate limit exceeded for user ID 1.",
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
    };

    await expect(sweep()).resolves.toBe(0);
    expect(logs.lines.find((line) => line.level === "error")?.msg).toContain("rate limit");

    github.fail = null;
    const requests = github.requests.length;
    clock.advance(10 * MINUTE);
    await expect(sweep()).resolves.toBe(0);
    expect(github.requests).toHaveLength(requests);
    clock.advance(21 * MINUTE);
    await expect(sweep()).resolves.toBe(1);
  });

  it("gives the attempt back when GitHub refuses the redelivery for lack of permission", async () => {
    const { sweep, store, logs } = setup();
    const failed = github.failed("guid-failed", 5);
    github.failPost = { status: 403, message: "Resource not accessible by personal access token" };

    await expect(sweep()).resolves.toBe(0);
    expect(logs.lines.find((line) => line.level === "error")?.msg).toContain("admin:org_hook");
    expect(guidRecord(store, "guid-failed")).toBeUndefined();

    github.failPost = null;
    clock.advance(CONFIG_ERROR_PAUSE_MS + MINUTE);
    await expect(sweep()).resolves.toBe(1);
    expect(github.attempts).toEqual([failed.id]);
    expect(guidRecord(store, "guid-failed")).toMatchObject({ attempts: 1 });
  });

  it("logs an unreachable GitHub API without throwing", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { sweep, logs } = setup({ GITHUB_API_URL: `http://127.0.0.1:${port}` });

    await expect(sweep()).resolves.toBe(0);
    expect(logs.lines.find((line) => line.level === "error")?.msg).toContain("GitHub API unreachable");
  });

  it("logs a failing store without throwing", async () => {
    const { sweep, store, logs } = setup();
    github.failed("guid-failed", 5);
    store.fail = true;

    await expect(sweep()).resolves.toBe(0);
    expect(logs.lines.find((line) => line.level === "error")?.msg).toContain("the store failed");
  });

  it("never writes the token to a log line or the store", async () => {
    const { sweep, store, logs } = setup();
    github.redeliveryOutcome = { status: "Invalid HTTP Response: 401", status_code: 401 };
    github.failed("guid-failed", 5, 401);
    for (let sweepNumber = 0; sweepNumber < 4; sweepNumber++) {
      await sweep();
      clock.advance(MINUTE);
    }
    github.fail = { status: 403, message: "Must have admin rights to Repository." };
    clock.advance(CONFIG_ERROR_PAUSE_MS);
    await sweep();
    github.fail = { status: 502, message: "Bad Gateway" };
    clock.advance(CONFIG_ERROR_PAUSE_MS + MINUTE);
    await sweep();

    expect(logs.lines.length).toBeGreaterThan(4);
    expect(logs.text()).not.toContain(TOKEN);
    expect(logs.text()).not.toContain(TOKEN.slice(4));
    expect(JSON.stringify(store.snapshot())).not.toContain(TOKEN);
  });
});
