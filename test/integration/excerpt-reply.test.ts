/**
 * Slack app mode, end to end (docs/architecture.md, "Why it failed"): the real functions in Netlify's local
 * runtime, GITHUB_API_URL at a local stand-in for the GitHub API whose job logs redirect (302) to a second
 * origin standing in for GitHub's log storage, and SLACK_API_URL at a stand-in for Slack's Web API. The log
 * host answers only after the failure message's wait for it (EXCERPT_WAIT_MS): the message goes without the
 * excerpt, then the excerpt follows as one reply in its thread.
 */
import { describe, expect } from "vitest";
import { failedRunPayload } from "../../samples/github.ts";
import { validateMessage } from "../../src/slack/format.ts";
import type { SlackMessage } from "../../src/slack/message.ts";
import { jobsKey } from "../fixtures/github-api.ts";
import { job, steps } from "../fixtures/github-jobs.ts";
import { startWebApiStandIn, type WebApiCall } from "../fixtures/slack-web-api.ts";
import { fixtureLog } from "../unit/why/logs.ts";
import { createSender } from "./faults-support.ts";
import { githubApiTest, vigieWith } from "./fixture.ts";
import { GITHUB_SECRET, NETLIFY_SECRET, sleep, testEnv } from "./support.ts";

const GITHUB_TOKEN = "ghp_excerptReplyIntegration0123456789abcd";
const BOT_TOKEN = "xoxb-it-excerpt-reply-0000-secretbot";
const CHANNEL = "C0REPLY01";
/** Later than the message waits for its excerpt (8 s), early enough for the lookup that follows it. */
const LOG_READY_AFTER_MS = 11_000;

const it = githubApiTest
  .extend("webApi", { scope: "file" }, async ({ env: _env }, { onCleanup }) => {
    const webApi = await startWebApiStandIn();
    onCleanup(() => webApi.close());
    return webApi;
  })
  .extend("app", { scope: "file" }, async ({ slack, api, webApi }, fixture) =>
    vigieWith((stand) =>
      testEnv(stand, {
        GITHUB_TOKEN,
        GITHUB_API_URL: api.url,
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_API_URL: webApi.url,
        ROUTES: `site:reply-org/* -> #${CHANNEL}`,
      }),
    )({ slack }, fixture),
  );

const textOf = (call: WebApiCall | undefined): string =>
  `${call?.text ?? ""}\n${JSON.stringify(call?.blocks)}`;

describe("Slack app: an excerpt later than its message follows in the thread (local stand-ins)", () => {
  it("a log host slower than the message's wait: the message without the excerpt, then one thread reply with it", async ({
    api,
    webApi,
    app,
  }) => {
    const repo = "reply-org/site-slow";
    const runId = 7_500_000_001;
    const jobId = 500_000_001;
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
    api.logs.set(jobId, fixtureLog("github-hugo.log"));
    api.logHostAnswer = { kind: "late", at: Date.now() + LOG_READY_AFTER_MS };

    const sender = createSender(app, { github: GITHUB_SECRET, netlify: NETLIFY_SECRET });
    const answer = await sender.github(failedRunPayload({ repo, runId }));
    expect(answer.status, answer.text).toBeLessThan(300);

    const [opening] = await webApi.waitForAccepted(1, 30_000);
    expect(opening).toMatchObject({ method: "chat.postMessage", channel: CHANNEL, threadTs: null });
    expect(textOf(opening)).toContain("Build › Build site");
    expect(textOf(opening)).not.toContain('ERROR render of \\"/posts/hello\\" failed');

    const [, reply] = await webApi.waitForAccepted(2, 30_000);
    expect(reply).toMatchObject({
      method: "chat.postMessage",
      channel: CHANNEL,
      threadTs: opening?.postedTs,
    });
    expect(textOf(reply)).toContain("Why it failed");
    expect(textOf(reply)).toContain('ERROR render of \\"/posts/hello\\" failed');
    // What Slack was given, checked as a message (the stand-in keeps text and blocks only).
    const message = {
      text: reply?.text ?? "",
      blocks: reply?.blocks ?? [],
      unfurl_links: false,
      unfurl_media: false,
    } as unknown as SlackMessage;
    expect(validateMessage(message)).toEqual([]);

    // One reply only, and the log host never saw the token.
    await sleep(1_000);
    expect(webApi.accepted()).toHaveLength(2);
    expect(api.logHostRequests.length).toBeGreaterThanOrEqual(2);
    expect(api.logHostRequests.every((request) => request.authorization === undefined)).toBe(true);
    expect(app.logs()).not.toContain(GITHUB_TOKEN);
    expect(app.logs()).not.toContain(BOT_TOKEN);
  });
});
