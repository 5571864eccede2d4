/**
 * What failed, end to end: the real GitHub function in Netlify's local runtime, with GITHUB_TOKEN and
 * GITHUB_API_URL pointing at a local stand-in for the GitHub REST API. The message names the failed job and
 * step; when the API refuses, is rate-limited or hangs, the message still goes out, without the detail, and
 * the log line names the cause.
 */
import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { failedRunPayload } from "../../samples/github.ts";
import { validateMessage } from "../../src/slack/format.ts";
import { type Canned, jobsKey } from "../fixtures/github-api.ts";
import { annotation, job, steps } from "../fixtures/github-jobs.ts";
import { githubApiTest, vigieWith } from "./fixture.ts";
import { postGithub, type SlackStandIn, type Vigie } from "./harness.ts";
import { allText, asSlackMessage, GITHUB_SECRET, settledNaming, testEnv } from "./support.ts";

const TOKEN = "ghp_itJobsToken0123456789abcdefghijklmnopq";

const it = githubApiTest
  /** GITHUB_TOKEN alone (no GITHUB_ORG, no GITHUB_HOOK_ID), the API at the stand-in. */
  .extend("withToken", { scope: "file" }, async ({ slack, api }, fixture) =>
    vigieWith((stand) => testEnv(stand, { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: api.url }))(
      { slack },
      fixture,
    ),
  );

/** Posts a failed run of `repo` (attempt `attempt`); returns its one message and the log lines naming the repo. */
const failRun = async (vigie: Vigie, slack: SlackStandIn, repo: string, runId: number, attempt = 1) => {
  const delivery = randomUUID();
  const body = JSON.stringify(failedRunPayload({ repo, runId, attempt }));
  const answer = await postGithub(vigie.url, body, { secret: GITHUB_SECRET, delivery });
  expect(answer.status, answer.text).toBe(200);
  expect(answer.json?.status).toBe("notified");
  const sent = await settledNaming(slack, repo);
  expect(sent).toHaveLength(1);
  const message = asSlackMessage(sent[0]);
  expect(validateMessage(message)).toEqual([]);
  const lines = vigie.logLines().filter((line) => line.repository === repo);
  return { message, text: allText(message), lines };
};

describe("what failed, with GITHUB_TOKEN (GitHub API stand-in)", () => {
  it("names the failed job and step of the failed attempt, linked to the job, with its annotation", async ({
    slack,
    api,
    withToken: vigie,
  }) => {
    const repo = "acme/it-jobs-build";
    const runId = 7_300_000_001;
    const url = (id: number) => `https://github.com/${repo}/actions/runs/${runId}/job/${id}`;
    api.jobs.set(jobsKey(repo, runId, 2), [
      job({
        id: 81,
        run_id: runId,
        run_attempt: 2,
        name: "Build",
        conclusion: "failure",
        html_url: url(81),
        check_run_url: `${api.url}/repos/${repo}/check-runs/81`,
        steps: steps(
          ["Set up job", "success"],
          ["Run hugo --minify", "failure"],
          ["Complete job", "success"],
        ),
      }),
      job({
        id: 82,
        run_id: runId,
        run_attempt: 2,
        name: "Deploy",
        conclusion: "skipped",
        html_url: url(82),
        steps: [],
      }),
    ]);
    api.annotations.set(81, [
      annotation("Process completed with exit code 1."),
      annotation('Error: error building site: "content/posts/hello.md:4:1": failed to unmarshal YAML'),
    ]);
    const { text, lines } = await failRun(vigie, slack, repo, runId, 2);
    expect(text).toContain(`*Failed at*\n<${url(81)}|Build › Run hugo --minify>`);
    expect(text).toContain(
      '```Error: error building site: "content/posts/hello.md:4:1": failed to unmarshal YAML```',
    );
    expect(text).not.toContain("Deploy ›");
    expect(lines.some((line) => line.msg === "failed jobs looked up")).toBe(true);
    expect(vigie.logs()).not.toContain(TOKEN);
  });

  it.for([
    ["401", { kind: "error", status: 401, message: "Bad credentials" }, /GITHUB_TOKEN needs Actions: read/],
    ["404", { kind: "error", status: 404, message: "Not Found" }, /404/],
    [
      "403 rate-limited",
      {
        kind: "error",
        status: 403,
        message: "API rate limit exceeded for user ID 1.",
        headers: {
          "x-ratelimit-limit": "5000",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": "1795773600",
        },
      },
      /rate limit reached for GITHUB_TOKEN until 2026-11-27T10:00:00.000Z/,
    ],
    ["hanging", { kind: "hang" }, /did not answer within 3 s/],
  ] as Array<[string, Canned, RegExp]>)(
    "GitHub API %s: the message still goes out, without the detail, and the log names the cause",
    async ([name, canned, cause], { slack, api, withToken: vigie }) => {
      const repo = `acme/it-jobs-${name.replace(/\W+/g, "-")}`;
      api.jobsAnswer = canned;
      try {
        const { text, lines } = await failRun(vigie, slack, repo, 7_300_000_100 + repo.length);
        expect(text).not.toContain("Failed at");
        expect(text).toContain(repo);
        const line = lines.find((l) => String(l.msg).startsWith("failed job not looked up"));
        expect(line, JSON.stringify(lines)).toBeDefined();
        expect(String(line?.msg)).toMatch(cause);
      } finally {
        api.jobsAnswer = { kind: "ok" };
      }
    },
  );
});
