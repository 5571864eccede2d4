import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { githubEvent } from "../../../../samples/events.ts";
import { memoryLogger } from "../../../../src/log.ts";
import {
  createJobsLookup,
  explainJobsError,
  type Job,
  jobsPageSchema,
  MAX_JOB_PAGES,
  selectFailedJobs,
  usefulAnnotation,
} from "../../../../src/sources/github/jobs.ts";
import { errorSignature } from "../../../../src/why/signature.ts";
import { type GithubApi, jobsKey, startGithubApi } from "../../../fixtures/github-api.ts";
import {
  annotation,
  buildFailed,
  type JobJson,
  job,
  jobsPage,
  RUN_ID,
  steps,
  uploadFailed,
} from "../../../fixtures/github-jobs.ts";

const TOKEN = "ghp_vigieJobsTestToken0123456789abcdefghij";

/** The jobs as the lookup reads them: parsed with its own schema, like a response. */
const parsed = (jobs: JobJson[]): Job[] => jobsPageSchema.parse(jobsPage(jobs)).jobs;
const select = (jobs: JobJson[], attempt = 1) =>
  selectFailedJobs(parsed(jobs), attempt).map(({ job }) => job);

describe("selectFailedJobs", () => {
  it("names the failed job and its first failed step, linked to the job; a skipped Deploy is not named", () => {
    expect(select(buildFailed())).toEqual([
      {
        name: "Build",
        stage: null,
        url: `https://github.com/acme/site-1/actions/runs/${RUN_ID}/job/5001`,
        step: "Run hugo --minify",
        error: null,
        jobId: 5001,
      },
    ]);
  });

  it("tells a failed upload from a failed build", () => {
    expect(select(uploadFailed()).map(({ name, step }) => `${name} › ${step}`)).toEqual([
      "Deploy › Upload to host",
    ]);
  });

  it("keeps every failed matrix job, in GitHub's order, and leaves out the sibling cancelled by fail-fast", () => {
    const matrix = [
      job({ id: 1, name: "test (ubuntu-latest, 20)", conclusion: "success" }),
      job({
        id: 2,
        name: "test (ubuntu-latest, 22)",
        conclusion: "failure",
        steps: steps(["Set up job", "success"], ["Run npm test", "failure"], ["Run npm run lint", "skipped"]),
      }),
      job({
        id: 3,
        name: "test (windows-latest, 22)",
        conclusion: "cancelled",
        steps: steps(["Set up job", "success"], ["Run npm test", "cancelled"]),
      }),
      job({
        id: 4,
        name: "test (macos-latest, 22)",
        conclusion: "timed_out",
        steps: steps(["Set up job", "success"], ["Run npm ci", "success"], ["Run npm test", "cancelled"]),
      }),
    ];
    expect(select(matrix).map(({ name, step }) => [name, step])).toEqual([
      ["test (ubuntu-latest, 22)", "Run npm test"],
      // Timed out: its running step was cancelled, none failed; the job is named without a step.
      ["test (macos-latest, 22)", null],
    ]);
  });

  it("takes the first failed step by number, whatever the order of the list", () => {
    const jobs = [
      job({
        id: 9,
        conclusion: "failure",
        steps: [
          { ...steps(["Upload", "failure"])[0], number: 5 },
          { ...steps(["Build", "failure"])[0], number: 3 },
        ] as JobJson["steps"],
      }),
    ];
    expect(select(jobs)[0]?.step).toBe("Build");
  });

  it("in a re-run attempt 2, never uses the jobs of attempt 1", () => {
    const attempt2 = [
      // Attempt 1's failed Build, listed again with its own attempt number: not this attempt's failure.
      job({
        id: 11,
        name: "Build",
        run_attempt: 1,
        conclusion: "failure",
        steps: steps(["Run hugo", "failure"]),
      }),
      job({ id: 21, name: "Build", run_attempt: 2, conclusion: "success" }),
      job({
        id: 22,
        name: "Deploy",
        run_attempt: 2,
        conclusion: "failure",
        steps: steps(["Upload to host", "failure"]),
      }),
    ];
    expect(select(attempt2, 2).map(({ name }) => name)).toEqual(["Deploy"]);
    expect(select(attempt2, 1).map(({ name }) => name)).toEqual(["Build"]);
  });

  it("names nothing when no job failed (a startup failure has no jobs at all)", () => {
    expect(select([])).toEqual([]);
    expect(select([job({ id: 1, conclusion: "cancelled" }), job({ id: 2, conclusion: "skipped" })])).toEqual(
      [],
    );
  });

  it("reads the check run id from check_run_url, and none from a missing or odd one", () => {
    const ids = selectFailedJobs(
      parsed([
        job({ id: 1, conclusion: "failure" }),
        {
          ...job({ id: 2, conclusion: "failure" }),
          check_run_url: "https://api.github.com/repos/a/b/check-runs/x",
        },
      ]),
      1,
    ).map(({ checkRunId }) => checkRunId);
    expect(ids).toEqual([1, null]);
  });
});

describe("usefulAnnotation", () => {
  it("skips the runner's generic closing line and takes the first failure that says more", () => {
    expect(
      usefulAnnotation([
        annotation("Process completed with exit code 1."),
        annotation("Node.js 16 actions are deprecated.", "warning"),
        annotation('Error: error building site: TOCSS: failed to transform "scss/main.scss"'),
        annotation("second error"),
      ]),
    ).toBe('Error: error building site: TOCSS: failed to transform "scss/main.scss"');
  });

  it("is null when only the generic line, notices, warnings or unreadable entries are there", () => {
    expect(usefulAnnotation([annotation("Process completed with exit code 255.")])).toBeNull();
    expect(usefulAnnotation([annotation("a notice", "notice"), annotation("   ")])).toBeNull();
    expect(usefulAnnotation([{ message: 3 }, null, "text"])).toBeNull();
    expect(usefulAnnotation([])).toBeNull();
  });
});

describe("explainJobsError", () => {
  const requestError = (status: number, message: string, headers: Record<string, string> = {}) =>
    Object.assign(new Error(message), { status, response: { headers } });

  it.each([
    [requestError(401, "Bad credentials"), "forbidden", /GITHUB_TOKEN needs Actions: read/],
    [requestError(403, "Resource not accessible by personal access token"), "forbidden", /Actions: read/],
    [requestError(404, "Not Found"), "not_found", /404/],
    [
      requestError(403, "API rate limit exceeded", {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": "1795773600",
      }),
      "rate_limited",
      /rate limit reached for GITHUB_TOKEN until 2026-11-27T10:00:00.000Z/,
    ],
    [requestError(429, "Too many requests", { "retry-after": "60" }), "rate_limited", /for 60 s/],
    [requestError(502, "Bad gateway"), "error", /502/],
    [new Error("fetch failed"), "unreachable", /check GITHUB_API_URL/],
  ])("%s → %s", (error, kind, message) => {
    const problem = explainJobsError(error, false);
    expect(problem.kind).toBe(kind);
    expect(problem.message).toMatch(message);
  });

  it("says timeout when the deadline passed, whatever the error", () => {
    expect(explainJobsError(new Error("This operation was aborted"), true).kind).toBe("timeout");
  });
});

describe("createJobsLookup (against a local stand-in for the GitHub API)", () => {
  let api: GithubApi;
  let logs: ReturnType<typeof memoryLogger>;
  beforeEach(async () => {
    api = await startGithubApi();
    logs = memoryLogger();
  });
  afterEach(async () => {
    await api.close();
  });

  const lookup = (event = githubEvent(), deadline = Date.now() + 10_000) =>
    createJobsLookup({ token: TOKEN, apiUrl: api.url }, { log: logs.log })(event, deadline);

  it("asks for the failed attempt's jobs with the token, and the annotations of the failed job", async () => {
    api.jobs.set(
      jobsKey("acme/site-1", RUN_ID, 2),
      buildFailed().map((j) => ({ ...j, run_attempt: 2 })),
    );
    api.annotations.set(5001, [
      annotation("Process completed with exit code 1."),
      annotation('Error: error building site: "content/_index.md:3:1": unmarshal failed'),
    ]);
    const found = await lookup(githubEvent({ attempt: 2 }));
    expect(found).toEqual({
      problem: null,
      failedAt: {
        jobs: [
          {
            name: "Build",
            stage: null,
            url: `https://github.com/acme/site-1/actions/runs/${RUN_ID}/job/5001`,
            step: "Run hugo --minify",
            error: 'Error: error building site: "content/_index.md:3:1": unmarshal failed',
            jobId: 5001,
            // The annotation is the key error line until the log is read (src/sources/detail-failure.ts).
            signature: errorSignature(
              'Error: error building site: "content/_index.md:3:1": unmarshal failed',
            ),
          },
        ],
      },
    });
    expect(api.requests.map((r) => r.path)).toEqual([
      `/repos/acme/site-1/actions/runs/${RUN_ID}/attempts/2/jobs`,
      "/repos/acme/site-1/check-runs/5001/annotations",
    ]);
    expect(api.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(logs.text()).not.toContain(TOKEN);
  });

  it("reads every page up to its bound", async () => {
    const many = Array.from({ length: 250 }, (_, i) =>
      job({ id: 100 + i, name: `shard ${i}`, conclusion: i === 230 ? "failure" : "success" }),
    );
    api.jobs.set(jobsKey("acme/site-1", RUN_ID, 1), many);
    const found = await lookup();
    expect(found.failedAt?.jobs.map((j) => j.name)).toEqual(["shard 230"]);
    expect(api.requests.filter((r) => r.path.endsWith("/jobs")).map((r) => r.query.get("page"))).toEqual([
      "1",
      "2",
      "3",
    ]);
    api.jobs.set(
      jobsKey("acme/site-1", RUN_ID, 1),
      Array.from({ length: 400 }, (_, i) => job({ id: 100 + i, conclusion: "success" })),
    );
    api.requests.length = 0;
    await lookup();
    expect(api.requests.filter((r) => r.path.endsWith("/jobs"))).toHaveLength(MAX_JOB_PAGES);
  });

  it("keeps the job and step when the annotations are refused (fine-grained tokens have no Checks permission)", async () => {
    api.jobs.set(jobsKey("acme/site-1", RUN_ID, 1), uploadFailed());
    api.annotationsAnswer = {
      kind: "error",
      status: 403,
      message: "Resource not accessible by personal access token",
    };
    const found = await lookup();
    expect(found.problem).toBeNull();
    expect(found.failedAt?.jobs).toEqual([
      expect.objectContaining({ name: "Deploy", step: "Upload to host", error: null }),
    ]);
    expect(logs.lines.some((line) => String(line.msg).startsWith("check run annotations not read"))).toBe(
      true,
    );
  });

  it.each([
    [
      { kind: "error", status: 401, message: "Bad credentials" },
      "forbidden",
      /GITHUB_TOKEN needs Actions: read/,
    ],
    [{ kind: "error", status: 404, message: "Not Found" }, "not_found", /404/],
    [
      {
        kind: "error",
        status: 403,
        message: "API rate limit exceeded for installation ID 1.",
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1795773600" },
      },
      "rate_limited",
      /rate limit reached for GITHUB_TOKEN until 2026-11-27T10:00:00.000Z/,
    ],
  ] as const)(
    "without detail, and one log line naming the cause, when GitHub answers %o",
    async (canned, kind, message) => {
      api.jobsAnswer = canned;
      const found = await lookup();
      expect(found).toEqual({ failedAt: null, problem: { kind, message: expect.stringMatching(message) } });
      const line = logs.lines.find((l) => String(l.msg).startsWith("failed job not looked up"));
      expect(line).toMatchObject({ level: "warn", problem: kind, repository: "acme/site-1", runId: RUN_ID });
      expect(String(line?.msg)).toMatch(message);
    },
  );

  it("gives up at its deadline when GitHub does not answer", async () => {
    api.jobsAnswer = { kind: "hang" };
    const found = await lookup(githubEvent(), Date.now() + 300);
    expect(found.problem?.kind).toBe("timeout");
    expect(found.failedAt).toBeNull();
  });

  it("does not call GitHub when no time is left", async () => {
    const found = await lookup(githubEvent(), Date.now() - 1);
    expect(found.problem?.kind).toBe("timeout");
    expect(api.requests).toEqual([]);
  });

  it("says so when the API is unreachable", async () => {
    const closed = await startGithubApi();
    await closed.close();
    const found = await createJobsLookup({ token: TOKEN, apiUrl: closed.url }, { log: logs.log })(
      githubEvent(),
      Date.now() + 5_000,
    );
    expect(found.problem?.kind).toBe("unreachable");
  });
});

describe("createJobsLookup: what GitHub's answers may not do", () => {
  const event = githubEvent();
  const withFetch = (fetchImpl: typeof fetch, logs = memoryLogger()) =>
    createJobsLookup({ token: TOKEN, apiUrl: "http://127.0.0.1:9" }, { log: logs.log, fetch: fetchImpl })(
      event,
      Date.now() + 10_000,
    );

  it("an answer larger than its bound is not read, and the message goes without the detail", async () => {
    const huge = JSON.stringify({ total_count: 1, jobs: [], padding: "x".repeat(3 * 1024 * 1024) });
    const found = await withFetch(
      async () => new Response(huge, { headers: { "content-type": "application/json" } }),
    );
    expect(found).toMatchObject({ failedAt: null, problem: { kind: "too_large" } });
  });

  it("a redirect to another origin is followed without GITHUB_TOKEN", async () => {
    const seen: Array<{ url: string; authorization: string | null }> = [];
    await withFetch(async (input, init) => {
      const url = String(input);
      seen.push({ url, authorization: new Headers(init?.headers).get("authorization") });
      return url.startsWith("http://127.0.0.1:9/")
        ? new Response(null, { status: 302, headers: { location: "https://elsewhere.example/jobs" } })
        : new Response(JSON.stringify({ total_count: 0, jobs: [] }), {
            headers: { "content-type": "application/json" },
          });
    });
    expect(seen.map((request) => request.authorization)).toEqual([`Bearer ${TOKEN}`, null]);
  });

  it("an absurd x-ratelimit-reset says rate limited (no RangeError)", () => {
    const error = Object.assign(new Error("API rate limit exceeded"), {
      status: 403,
      response: { headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "99999999999999" } },
    });
    expect(explainJobsError(error, false)).toEqual({
      kind: "rate_limited",
      message: "GitHub API rate limit reached for GITHUB_TOKEN",
    });
  });
});
