import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { githubEvent, gitlabEvent, netlifyEvent } from "../../../samples/events.ts";
import type { FailedAt, FailureEvent } from "../../../src/event.ts";
import { failedAt } from "../../../src/failed-at.ts";
import { memoryLogger } from "../../../src/log.ts";
import { createDetailFailure, EXCERPT_WAIT_MS } from "../../../src/sources/detail-failure.ts";
import type { JobsLookup } from "../../../src/sources/github/jobs.ts";
import { needsDetail } from "../../../src/why/needs-detail.ts";
import { errorSignature } from "../../../src/why/signature.ts";
import { type GithubApi, jobsKey, startGithubApi } from "../../fixtures/github-api.ts";
import { buildFailed, RUN_ID } from "../../fixtures/github-jobs.ts";
import { type GitlabApi, startGitlabApi } from "../../fixtures/gitlab-api.ts";
import { fixtureLog } from "../why/logs.ts";

const GITHUB_TOKEN = "ghp_detailFailureToken0123456789abcdefgh";
const GITLAB_TOKEN = "glpat-detailFailureToken0123";

let github: GithubApi;
let gitlab: GitlabApi;
beforeEach(async () => {
  github = await startGithubApi();
  gitlab = await startGitlabApi(GITLAB_TOKEN);
});
afterEach(async () => {
  await github.close();
  await gitlab.close();
});

const setup = (options: { jobsLookup?: JobsLookup; now?: () => number } = {}) => {
  const logger = memoryLogger();
  const detail = createDetailFailure(
    {
      github: { token: GITHUB_TOKEN, apiUrl: github.url },
      gitlab: { token: GITLAB_TOKEN, apiUrl: gitlab.url },
    },
    { log: logger.log, sleep: async () => undefined, ...options },
  );
  return { detail, logger };
};

const githubFailure = (detail: FailedAt | null = null) =>
  githubEvent({
    repository: "acme/site-1",
    site: "acme/site-1",
    attempt: 1,
    failedAt: detail,
  }) as FailureEvent;

const gitlabFailure = (jobs: number[]) =>
  gitlabEvent({
    site: "acme/sites/site-f",
    projectId: 4711,
    failedAt: failedAt(
      jobs.map((id) => ({
        name: `hugo-${id}`,
        stage: "build",
        url: null,
        error: "script_failure",
        jobId: id,
      })),
      "acme/sites/site-f",
    ),
  }) as FailureEvent;

const soon = () => Date.now() + 5_000;

describe("createDetailFailure: GitHub", () => {
  it("looks up the failed job, then its log: excerpt, key error line and signature", async () => {
    github.jobs.set(jobsKey("acme/site-1", RUN_ID, 1), buildFailed());
    github.logs.set(5001, fixtureLog("github-hugo.log"));
    const { detail, logger } = setup();
    const told = await detail(githubFailure(), soon());
    const job = told.failedAt?.jobs[0];
    expect(job?.step).toBe("Run hugo --minify");
    expect(job?.excerpt?.join("\n")).toContain('partial "partials/header" not found');
    expect(job?.error).toMatch(/^ERROR render of/);
    expect(job?.signature).toMatch(/^[0-9a-f]{16}$/);
    expect(needsDetail(told)).toBe(false);
    expect(github.logHostRequests.every((r) => r.authorization === undefined)).toBe(true);
    expect(logger.lines.map((l) => l.msg)).toContain("log excerpts looked up");
    expect(logger.text()).not.toContain(GITHUB_TOKEN);
    expect(logger.text()).not.toContain("signed-url-secret");
  });

  it("the same error on two sites has one signature", async () => {
    github.logs.set(11, fixtureLog("github-hugo.log"));
    github.logs.set(12, fixtureLog("github-hugo-site-b.log"));
    const { detail } = setup();
    const one = (site: string, jobId: number) =>
      detail(
        githubEvent({
          repository: site,
          site,
          failedAt: failedAt([{ name: "Build", step: "Build site", jobId }], site),
        }) as FailureEvent,
        soon(),
      );
    const [a, b] = await Promise.all([one("acme/site-a", 11), one("acme/site-b", 12)]);
    expect(a.failedAt?.jobs[0]?.signature).toBe(b.failedAt?.jobs[0]?.signature);
  });

  it("an event that already names its jobs: only the logs are read (a second call, for a thread reply)", async () => {
    github.logs.set(5001, fixtureLog("github-npm.log"));
    const { detail } = setup();
    const told = await detail(
      githubFailure(failedAt([{ name: "build", step: "npm ci", jobId: 5001 }])),
      soon(),
    );
    expect(told.failedAt?.jobs[0]?.excerpt?.[0]).toMatch(/^npm/);
    expect(github.requests.map((r) => r.path)).toEqual(["/repos/acme/site-1/actions/jobs/5001/logs"]);
  });

  it("nothing to learn: no request at all", async () => {
    const { detail } = setup();
    const done = githubFailure(failedAt([{ name: "build", jobId: 5001, excerpt: null }]));
    expect(await detail(done, soon())).toBe(done);
    const netlify = netlifyEvent() as FailureEvent;
    expect(await detail(netlify, soon())).toBe(netlify);
    expect(github.requests).toHaveLength(0);
  });

  it("a refused log: no excerpt (null, not asked again), the job still named, one warning without secrets", async () => {
    github.logsAnswer.canned = { kind: "error", status: 403, message: "Resource not accessible" };
    const { detail, logger } = setup();
    const told = await detail(
      githubFailure(failedAt([{ name: "build", step: "npm ci", jobId: 5001 }])),
      soon(),
    );
    expect(told.failedAt?.jobs[0]).toMatchObject({ name: "build", step: "npm ci", excerpt: null });
    expect(needsDetail(told)).toBe(false);
    const warning = logger.lines.find((l) => String(l.msg).startsWith("log excerpt not read"));
    expect(warning).toMatchObject({ level: "warn", problem: "forbidden", status: 403 });
    expect(String(warning?.msg)).toContain("Actions: read");
    expect(logger.text()).not.toContain(GITHUB_TOKEN);
  });

  it("a log that does not come in time: the excerpt stays to look up (a thread reply may get it)", async () => {
    github.logs.set(5001, "Error: late\n");
    github.logHostAnswer = { kind: "hang" };
    const { detail } = setup();
    const told = await detail(githubFailure(failedAt([{ name: "build", jobId: 5001 }])), Date.now() + 300);
    expect(told.failedAt?.jobs[0]?.excerpt).toBeUndefined();
    expect(needsDetail(told)).toBe(true);
  });

  it("never gives itself more than EXCERPT_WAIT_MS, however far the caller's deadline", async () => {
    const now = 1_000_000;
    const asked: number[] = [];
    const jobsLookup: JobsLookup = async (_event, deadline) => {
      asked.push(deadline);
      return { failedAt: null, problem: null };
    };
    const { detail } = setup({ jobsLookup, now: () => now });
    await detail(githubFailure(), now + 60_000);
    await detail(githubFailure(), now + 2_000);
    expect(asked).toEqual([now + EXCERPT_WAIT_MS, now + 2_000]);
  });

  it("reads the first three failed jobs' logs only", async () => {
    for (const id of [1, 2, 3, 4]) github.logs.set(id, `Error: job ${id} broke\n`);
    const { detail } = setup();
    const jobs = [1, 2, 3, 4].map((id) => ({ name: `job ${id}`, jobId: id }));
    const told = await detail(githubFailure(failedAt(jobs)), soon());
    expect(told.failedAt?.jobs.map((job) => job.excerpt)).toEqual([
      ["Error: job 1 broke"],
      ["Error: job 2 broke"],
      ["Error: job 3 broke"],
      null,
    ]);
    expect(github.logHostRequests).toHaveLength(3);
  });
});

describe("createDetailFailure: GitLab", () => {
  it("reads the failed builds' traces with PRIVATE-TOKEN: excerpt from the failed section, signature", async () => {
    gitlab.traces.set(9001, fixtureLog("gitlab-hugo.trace"));
    const { detail } = setup();
    const told = await detail(gitlabFailure([9001]), soon());
    const job = told.failedAt?.jobs[0];
    expect(job?.excerpt?.join("\n")).toContain('partial "partials/header" not found');
    // The payload's failure_reason stays the short error; the signature is the trace's key line's.
    expect(job?.error).toBe("script_failure");
    expect(job?.signature).not.toBe(errorSignature("script_failure", "acme/sites/site-f"));
    expect(gitlab.requests.map((r) => [r.path, r.privateToken])).toEqual([
      ["/api/v4/projects/4711/jobs/9001/trace", GITLAB_TOKEN],
    ]);
  });

  it("a refused token: no excerpt, the payload's detail kept", async () => {
    gitlab.traceAnswer = { kind: "error", status: 401, message: "401 Unauthorized" };
    const { detail, logger } = setup();
    const told = await detail(gitlabFailure([9001]), soon());
    expect(told.failedAt?.jobs[0]).toMatchObject({
      name: "hugo-9001",
      error: "script_failure",
      excerpt: null,
    });
    expect(logger.text()).not.toContain(GITLAB_TOKEN);
  });
});
