import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { githubEvent } from "../../../samples/events.ts";
import { githubJobLog } from "../../../src/sources/github/job-log.ts";
import { fetchLogTail, MAX_LOG_BYTES, requestWithoutLeak } from "../../../src/why/fetch-log.ts";
import { type GithubApi, startGithubApi } from "../../fixtures/github-api.ts";
import { fixtureLog, hugeGithubLog } from "./logs.ts";

const TOKEN = "ghp_fetchLogTestToken0123456789abcdefghij";
let api: GithubApi;
beforeEach(async () => {
  api = await startGithubApi();
});
afterEach(async () => {
  await api.close();
});

const event = githubEvent({ repository: "acme/site-a", site: "acme/site-a" });
const read = (deadlineMs = 5_000, options: { sleep?: (ms: number) => Promise<void> } = {}) =>
  githubJobLog({ token: TOKEN, apiUrl: api.url }, options)(event, 5001, Date.now() + deadlineMs);

describe("a GitHub job's log, through its redirect to another origin", () => {
  it("follows the 302 without the token: the API gets it, the log host never does", async () => {
    api.logs.set(5001, fixtureLog("github-hugo.log"));
    const fetched = await read();
    expect(fetched).toMatchObject({ kind: "ok", whole: true });
    expect(fetched.kind === "ok" && fetched.text).toContain("partials/header");
    expect(api.requests.find((r) => r.path.endsWith("/actions/jobs/5001/logs"))?.authorization).toBe(
      `Bearer ${TOKEN}`,
    );
    expect(api.logHostRequests).toHaveLength(1);
    expect(api.logHostRequests[0]?.authorization).toBeUndefined();
  });

  it("reads a 20 MB log's last 2 MiB only, with a suffix Range", async () => {
    api.logs.set(5001, hugeGithubLog(20));
    const fetched = await read();
    expect(fetched.kind).toBe("ok");
    if (fetched.kind !== "ok") return;
    expect(fetched.whole).toBe(false);
    expect(fetched.bytesRead).toBe(MAX_LOG_BYTES);
    expect(api.logBytesSent).toBe(MAX_LOG_BYTES);
    expect(api.logHostRequests[0]?.range).toBe(`bytes=-${MAX_LOG_BYTES}`);
    expect(fetched.text.endsWith("Cleaning up orphan processes\n")).toBe(true);
  });

  it("a host that ignores Range is read through, keeping only the tail", async () => {
    api.logsAnswer.ranges = false;
    api.logs.set(5001, hugeGithubLog(20));
    const fetched = await read();
    expect(fetched.kind).toBe("ok");
    if (fetched.kind !== "ok") return;
    expect(fetched.bytesRead).toBeGreaterThan(20 * 1024 * 1024);
    expect(fetched.text.length).toBeLessThanOrEqual(MAX_LOG_BYTES);
    expect(fetched.whole).toBe(false);
    expect(fetched.text.endsWith("Cleaning up orphan processes\n")).toBe(true);
  });

  it("404 while the log is not ready: tried again within the deadline", async () => {
    api.logsAnswer.notReady = 2;
    api.logs.set(5001, "Error: boom\n");
    const fetched = await read(5_000, { sleep: async () => undefined });
    expect(fetched).toMatchObject({ kind: "ok", text: "Error: boom\n" });
    expect(api.requests.filter((r) => r.path.endsWith("/logs"))).toHaveLength(3);
  });

  it("404 until the deadline: not_found", async () => {
    api.logsAnswer.notReady = 1_000_000;
    let now = Date.now();
    const fetched = await githubJobLog(
      { token: TOKEN, apiUrl: api.url },
      {
        now: () => now,
        sleep: async (ms) => {
          now += ms;
        },
      },
    )(event, 5001, now + 3_000);
    expect(fetched).toEqual({ kind: "problem", problem: "not_found", status: 404 });
    expect(api.requests.filter((r) => r.path.endsWith("/logs")).length).toBeLessThanOrEqual(4);
  });

  it("the log host's 404 (an expired log) is not tried again", async () => {
    const fetched = await read(5_000, { sleep: async () => undefined });
    expect(fetched).toEqual({ kind: "problem", problem: "not_found", status: 404 });
    expect(api.logHostRequests).toHaveLength(1);
  });

  it.each([
    [401, "forbidden"],
    [403, "forbidden"],
    [410, "not_found"],
    [429, "rate_limited"],
    [500, "error"],
  ] as const)("the API answers %i: %s", async (status, problem) => {
    api.logsAnswer.canned = { kind: "error", status, message: "no" };
    expect(await read()).toEqual({ kind: "problem", problem, status });
    expect(api.logHostRequests).toHaveLength(0);
  });

  it("a hanging log host: timeout at the deadline", async () => {
    api.logs.set(5001, "x");
    api.logHostAnswer = { kind: "hang" };
    expect(await read(300)).toEqual({ kind: "problem", problem: "timeout", status: null });
  });

  it("no time left: no request at all", async () => {
    expect(await read(-1)).toEqual({ kind: "problem", problem: "timeout", status: null });
    expect(api.requests).toHaveLength(0);
  });
});

describe("requestWithoutLeak", () => {
  const seen: Array<{ url: string; headers: Record<string, string> }> = [];
  const fake =
    (answers: Record<string, Response>): typeof fetch =>
    async (input, init) => {
      const url = String(input);
      seen.push({ url, headers: { ...(init?.headers as Record<string, string>) } });
      return answers[url] ?? new Response("missing", { status: 404 });
    };
  beforeEach(() => {
    seen.length = 0;
  });

  it("keeps the credentials on a same-origin redirect, drops them on another origin", async () => {
    const fetchImpl = fake({
      "https://api.example/a": new Response(null, { status: 301, headers: { location: "/b" } }),
      "https://api.example/b": new Response(null, {
        status: 302,
        headers: { location: "https://blob.example/c" },
      }),
      "https://blob.example/c": new Response("log", { status: 200 }),
    });
    const response = await requestWithoutLeak(
      "https://api.example/a",
      { authorization: "Bearer t" },
      { "user-agent": "vigie" },
      AbortSignal.timeout(1_000),
      fetchImpl,
    );
    expect(await response.text()).toBe("log");
    expect(seen.map((s) => [s.url, s.headers.authorization])).toEqual([
      ["https://api.example/a", "Bearer t"],
      ["https://api.example/b", "Bearer t"],
      ["https://blob.example/c", undefined],
    ]);
  });

  it("credentials only to the API's origin, and no non-http(s) Location followed", async () => {
    const fetchImpl = fake({
      "https://api.example/a": new Response(null, {
        status: 302,
        headers: { location: "https://evil.example/x" },
      }),
      "https://evil.example/x": new Response(null, {
        status: 302,
        headers: { location: "javascript:alert(1)" },
      }),
    });
    const response = await requestWithoutLeak(
      "https://api.example/a",
      { authorization: "Bearer t" },
      {},
      AbortSignal.timeout(1_000),
      fetchImpl,
    );
    expect(response.status).toBe(302);
    expect(seen.filter((s) => s.headers.authorization !== undefined).map((s) => s.url)).toEqual([
      "https://api.example/a",
    ]);
  });

  it("stops after three redirects", async () => {
    const loop = () => new Response(null, { status: 302, headers: { location: "https://api.example/a" } });
    let calls = 0;
    const fetchImpl: typeof fetch = async () => {
      calls += 1;
      return loop();
    };
    const response = await requestWithoutLeak(
      "https://api.example/a",
      {},
      {},
      AbortSignal.timeout(1_000),
      fetchImpl,
    );
    expect(response.status).toBe(302);
    expect(calls).toBe(4);
  });
});

describe("fetchLogTail", () => {
  it("asks again without Range when the host refuses a suffix range", async () => {
    const ranges: Array<string | undefined> = [];
    const fetchImpl: typeof fetch = async (_input, init) => {
      const range = (init?.headers as Record<string, string> | undefined)?.range;
      ranges.push(range);
      return range ? new Response("bad range", { status: 416 }) : new Response("", { status: 200 });
    };
    const fetched = await fetchLogTail({
      url: "https://h.example/l",
      credentials: {},
      deadline: Date.now() + 1_000,
      fetch: fetchImpl,
    });
    expect(fetched).toEqual({ kind: "ok", text: "", whole: true, bytesRead: 0 });
    expect(ranges).toEqual([`bytes=-${MAX_LOG_BYTES}`, undefined]);
  });

  it("an unreachable host: unreachable, never a throw", async () => {
    const fetchImpl: typeof fetch = async () => {
      throw new TypeError("fetch failed");
    };
    expect(
      await fetchLogTail({
        url: "https://h.example/l",
        credentials: {},
        deadline: Date.now() + 1_000,
        fetch: fetchImpl,
      }),
    ).toEqual({ kind: "problem", problem: "unreachable", status: null });
  });
});
