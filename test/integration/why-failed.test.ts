/**
 * Why it failed, end to end: the real functions in Netlify's local runtime, GITHUB_API_URL at a local
 * stand-in for the GitHub API whose job logs redirect (302) to a second server, another origin standing in
 * for GitHub's log storage, and GITLAB_API_URL at a stand-in for GitLab's. The failure message shows the
 * failed step's log excerpt; the log host never sees the token; a hanging, refused, late (404 then 200) or
 * huge log never stops the message; a storm of two error kinds reads as two groups naming every site.
 * The storm runs last: the tests before it open fewer episodes than STORM_THRESHOLD.
 */
import { describe, expect } from "vitest";
import { failedRunPayload } from "../../samples/github.ts";
import { failedBuildPipeline } from "../../samples/gitlab.ts";
import { validateMessage } from "../../src/slack/format.ts";
import type { SlackMessage } from "../../src/slack/message.ts";
import { type GithubApi, jobsKey } from "../fixtures/github-api.ts";
import { job, steps } from "../fixtures/github-jobs.ts";
import { startGitlabApi } from "../fixtures/gitlab-api.ts";
import { fixtureLog, hugeGithubLog } from "../unit/why/logs.ts";
import { createSender, drainOutbox, peekStore, sleep } from "./faults-support.ts";
import { githubApiTest, vigieWith } from "./fixture.ts";
import { postGitlab, type SlackStandIn, type Vigie } from "./harness.ts";
import {
  allText,
  asSlackMessage,
  GITHUB_SECRET,
  GITLAB_TOKEN,
  NETLIFY_SECRET,
  testEnv,
  waitForDeliveredNaming,
} from "./support.ts";

const GITHUB_TOKEN = "ghp_whyFailedIntegration0123456789abcdefgh";
const GITLAB_API_TOKEN = "glpat-whyFailedIntegration01";
const STORM_THRESHOLD = 8;
const STORM_GROUP_WAIT_SECONDS = 2;

const it = githubApiTest
  .extend("gitlabApi", { scope: "file" }, async ({ env: _env }, { onCleanup }) => {
    const api = await startGitlabApi(GITLAB_API_TOKEN);
    onCleanup(() => api.close());
    return api;
  })
  .extend("why", { scope: "file" }, async ({ slack, api, gitlabApi }, fixture) =>
    vigieWith((stand) =>
      testEnv(stand, {
        GITHUB_TOKEN,
        GITHUB_API_URL: api.url,
        GITLAB_TOKEN: GITLAB_API_TOKEN,
        GITLAB_API_URL: gitlabApi.url,
        STORM_THRESHOLD: String(STORM_THRESHOLD),
        STORM_WINDOW_SECONDS: "600",
        STORM_GROUP_WAIT_SECONDS: String(STORM_GROUP_WAIT_SECONDS),
      }),
    )({ slack }, fixture),
  );

let nextRun = 7_400_000_000;

/** A failed run of `repo` whose Build job failed at "Build site", its log being `log`. */
const failing = (api: GithubApi, repo: string, log: string | Buffer) => {
  const runId = nextRun++;
  const jobId = runId - 7_000_000_000;
  api.jobs.set(jobsKey(repo, runId, 1), [
    job({
      id: jobId,
      run_id: runId,
      name: "Build",
      conclusion: "failure",
      html_url: `https://github.com/${repo}/actions/runs/${runId}/job/${jobId}`,
      check_run_url: `${api.url}/repos/${repo}/check-runs/${jobId}`,
      steps: steps(["Set up job", "success"], ["Build site", "failure"], ["Complete job", "success"]),
    }),
  ]);
  api.logs.set(jobId, log);
  return failedRunPayload({ repo, runId });
};

/** Posts the failure and returns its one message, once delivered. */
const told = async (vigie: Vigie, slack: SlackStandIn, repo: string, payload: object) => {
  const answer = await createSender(vigie, { github: GITHUB_SECRET, netlify: NETLIFY_SECRET }).github(
    payload,
  );
  expect(answer.status, answer.text).toBeLessThan(300);
  const [sent, ...more] = await waitForDeliveredNaming(slack, repo, 1, 30_000);
  expect(more).toEqual([]);
  const message = asSlackMessage(sent);
  expect(validateMessage(message)).toEqual([]);
  return { text: allText(message), lines: vigie.logLines().filter((line) => line.site === repo) };
};

describe("why it failed (GitHub API, its log host on another origin, GitLab API: local stand-ins)", {
  shuffle: false,
}, () => {
  it("the failed step's excerpt reaches the message; the log host never sees the token", async ({
    api,
    slack,
    why,
  }) => {
    const repo = "why-org/site-a";
    const { text } = await told(why, slack, repo, failing(api, repo, fixtureLog("github-hugo.log")));
    expect(text).toContain("*Failed at*\n<https://github.com/why-org/site-a/actions/runs/");
    expect(text).toContain("|Build › Build site>\n```Start building sites …");
    expect(text).toContain('ERROR render of "/posts/hello" failed');
    expect(api.logHostRequests.length).toBeGreaterThan(0);
    expect(api.logHostRequests.every((request) => request.authorization === undefined)).toBe(true);
    expect(
      api.requests.some((r) => r.path.endsWith("/logs") && r.authorization === `Bearer ${GITHUB_TOKEN}`),
    ).toBe(true);
    expect(why.logs()).not.toContain(GITHUB_TOKEN);
    expect(why.logs()).not.toContain("signed-url-secret");
  });

  it("a log not ready yet (404, then 200): tried again, the excerpt still comes", async ({
    api,
    slack,
    why,
  }) => {
    const repo = "why-org/site-late";
    api.logsAnswer.notReady = 1;
    const { text } = await told(why, slack, repo, failing(api, repo, fixtureLog("github-npm.log")));
    expect(text).toContain("npm error 404 Not Found");
  });

  it("a huge log (20 MB): its tail is read, the excerpt comes", async ({ api, slack, why }) => {
    const repo = "why-org/site-huge";
    const before = api.logBytesSent;
    const { text } = await told(why, slack, repo, failing(api, repo, Buffer.from(hugeGithubLog(20))));
    expect(text).toContain('partial "partials/header" not found');
    expect(api.logBytesSent - before).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it("a refused log (401): the message goes with its job and step, without excerpt; the log says why", async ({
    api,
    slack,
    why,
  }) => {
    const repo = "why-org/site-refused";
    api.logsAnswer.canned = { kind: "error", status: 401, message: "Bad credentials" };
    try {
      const { text, lines } = await told(why, slack, repo, failing(api, repo, "Error: never read\n"));
      expect(text).toContain("|Build › Build site>");
      expect(text).not.toContain("never read");
      const warning = lines.find((line) => String(line.msg).startsWith("log excerpt not read"));
      expect(warning, JSON.stringify(lines)).toMatchObject({ problem: "forbidden", status: 401 });
    } finally {
      api.logsAnswer.canned = { kind: "ok" };
    }
  });

  it("a hanging log host: the message goes without the excerpt, within the lookup's bound", async ({
    api,
    slack,
    why,
  }) => {
    const repo = "why-org/site-hang";
    api.logHostAnswer = { kind: "hang" };
    try {
      const { text, lines } = await told(why, slack, repo, failing(api, repo, "Error: never sent\n"));
      expect(text).toContain("|Build › Build site>");
      expect(text).not.toContain("never sent");
      expect(lines.some((line) => String(line.msg).includes("the log did not come in time"))).toBe(true);
    } finally {
      api.logHostAnswer = { kind: "ok" };
    }
  });

  // Needs the pipeline to ask for the detail of an event that already names its jobs (GitLab's payload does)
  // and to keep the excerpt it then gets: see docs/architecture.md, "Why it failed". Enabled once it does.
  it("GitLab: the failed build's trace excerpt reaches the message, read with PRIVATE-TOKEN", async ({
    gitlabApi,
    slack,
    why,
  }) => {
    const project = "why-gl/site-f";
    gitlabApi.traces.set(9001, fixtureLog("gitlab-hugo.trace"));
    const payload = failedBuildPipeline({ projectId: 4711, project, pipelineId: 880_001 });
    const answer = await postGitlab(why.url, payload, { token: GITLAB_TOKEN });
    expect(answer.status, answer.text).toBeLessThan(300);
    const [sent] = await waitForDeliveredNaming(slack, project, 1, 30_000);
    const text = allText(asSlackMessage(sent));
    expect(text).toContain('partial "partials/header" not found');
    expect(gitlabApi.requests.map((r) => [r.path, r.privateToken])).toEqual([
      ["/api/v4/projects/4711/jobs/9001/trace", GITLAB_API_TOKEN],
    ]);
  });

  it("a storm of two error kinds: the digest has two groups, the larger first, and every site is named", async ({
    api,
    slack,
    why,
  }) => {
    const theme = Array.from({ length: 10 }, (_, i) => `why-storm/theme-${i}`);
    const npm = Array.from({ length: 6 }, (_, i) => `why-storm/npm-${i}`);
    const sender = createSender(why, { github: GITHUB_SECRET, netlify: NETLIFY_SECRET });
    const answers = await Promise.all([
      ...theme.map((repo) =>
        sender.github(
          failing(api, repo, fixtureLog("github-hugo.log").replaceAll("site-a", repo.split("/")[1] ?? "")),
        ),
      ),
      ...npm.map((repo) => sender.github(failing(api, repo, fixtureLog("github-npm.log")))),
    ]);
    expect(answers.every((answer) => answer.status < 300)).toBe(true);
    const peek = await peekStore(why);
    try {
      await sleep(STORM_GROUP_WAIT_SECONDS * 1000 + 500);
      await drainOutbox(why, peek, { maxSweeps: 10 });
    } finally {
      await peek.stop();
    }
    const sites = [...theme, ...npm];
    const delivered = slack.delivered().filter((m) => sites.some((site) => m.raw.includes(site)));
    for (const message of delivered)
      expect(validateMessage(message.body as unknown as SlackMessage)).toEqual([]);
    expect(
      sites.filter((site) => !delivered.some((m) => m.raw.includes(`|${site}>`) || m.raw.includes(site))),
    ).toEqual([]);
    const digest = delivered.find((m) => String(m.body?.text).includes("failed at once"));
    expect(digest, delivered.map((m) => String(m.body?.text)).join("\n")).toBeDefined();
    const text = allText(asSlackMessage(digest));
    const headings = [...text.matchAll(/(\d+) sites? failed at \*Build › Build site\*/g)].map((m) =>
      Number(m[1]),
    );
    expect(headings).toHaveLength(2);
    expect(headings[0]).toBeGreaterThan(headings[1] ?? 0);
    expect(text).toContain('partial "partials/header" not found');
    expect(text).toContain("npm error 404");
  });
});
