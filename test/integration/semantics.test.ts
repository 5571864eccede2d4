/**
 * Pipeline semantics end to end (docs/architecture.md: episodes, folding, storms): episodes, folding across sources,
 * cancelled runs, storms. The REAL functions run in Netlify's local runtime; the Slack stand-in is in
 * strict-rate mode, answering 429 (Retry-After: 1) to a second accepted message within one second, as
 * Slack does beyond short bursts, so every test also checks that vigie paces its posts and honours 429s.
 *
 * Storm settings are shortened for the test (STORM_GROUP_WAIT_SECONDS=3, window 60 s, threshold 5). Every
 * new episode within the window counts towards the threshold, so the tests before the storm open only a
 * few episodes (4), and the storm test runs last.
 *
 * Reminders (REMINDER_HOURS) are not tested here: the smallest period is one hour of real time. The unit
 * tests cover them (test/unit/pipeline/episodes.test.ts: reminderDue/markReminded; pipeline.test.ts: the
 * sweep queuing one reminder per period with an injected clock).
 */
import { describe, expect } from "vitest";
import { failedRunPayload, runPayload } from "../../samples/github.ts";
import { cancelledDeploy, failedDeploy, readyDeploy } from "../../samples/netlify.ts";
import { validateMessage } from "../../src/slack/format.ts";
import type { SlackMessage } from "../../src/slack/message.ts";
import { about, at, drainOutbox, faultsTest, sleep } from "./faults-support.ts";
import type { SlackRequest } from "./harness.ts";

const STORM_GROUP_WAIT_SECONDS = 3;

const it = faultsTest.override("slackOptions", { strictRate: true }).override("env", {
  STORM_THRESHOLD: "5",
  STORM_WINDOW_SECONDS: "60",
  STORM_GROUP_WAIT_SECONDS: String(STORM_GROUP_WAIT_SECONDS),
});

const statusOf = (answer: { status: number; json: Record<string, unknown> | null }) =>
  `${answer.status} ${String(answer.json?.status)}`;
/** A failure answer: notified inline, or queued when Slack's pace leaves no slot before the answer is due. */
const ANNOUNCED = ["200 notified", "202 queued"];

// One scenario in steps (see above): its order is part of it, whatever `--sequence.shuffle` says.
describe("pipeline semantics (real functions, Slack stand-in at ≈1 message/s)", { shuffle: false }, () => {
  it("3 failures then a success of one workflow and branch: 2 messages, the recovery naming 3 failed runs", async ({
    vigie,
    slack,
    peek,
    send,
  }) => {
    const repo = "sem-org/episode";
    const run = { repo, workflowId: 2001, workflowName: "Build and deploy", branch: "main" };
    const answers = [];
    for (const minute of [0, 1, 2]) {
      answers.push(statusOf(await send.github(failedRunPayload({ ...run, updatedAt: at(minute) }))));
    }
    answers.push(statusOf(await send.github(runPayload({ ...run, updatedAt: at(3) }))));
    expect(ANNOUNCED).toContain(answers[0]);
    expect(answers.slice(1, 3)).toEqual(["200 suppressed", "200 suppressed"]);
    expect(ANNOUNCED).toContain(answers[3]);

    await drainOutbox(vigie, peek);
    const delivered = about(slack.delivered(), repo);
    expect(delivered).toHaveLength(2);
    const [failure, recovery] = delivered.map((m) => String(m.body?.text));
    expect(failure).toContain("failed");
    expect(failure).not.toContain("Recovered");
    expect(recovery).toContain("Recovered");
    expect(recovery).toContain("3 failed runs");
    expect(recovery).toContain("3 min");
  });

  it("the same commit failing on GitHub (head_sha) and on Netlify (commit_ref): 1 message", async ({
    vigie,
    slack,
    peek,
    send,
  }) => {
    const sha = "f01d5e3a9c7b2d4e6f8091a2b3c4d5e6f7081929";
    const repo = "sem-org/fold";
    const site = "sem-fold-site";
    const github = await send.github(failedRunPayload({ repo, sha, updatedAt: at(10) }));
    expect(ANNOUNCED).toContain(statusOf(github));
    const netlify = await send.netlify(
      failedDeploy({
        id: "6650bb00bb00bb00bb00f01d",
        site_id: "5e1d0f0a-9c3b-4d2e-8f71-semfold00001",
        name: site,
        commit_ref: sha,
        updated_at: at(11),
      }),
    );
    expect(statusOf(netlify), netlify.text).toBe("200 suppressed");
    expect(String(netlify.json?.reason)).toContain("folded");

    await drainOutbox(vigie, peek);
    const delivered = [...about(slack.delivered(), repo), ...about(slack.delivered(), site)];
    expect(delivered).toHaveLength(1);
    expect(about(slack.messages, site)).toHaveLength(0);
  });

  it("a cancelled run in the middle of an episode neither opens nor closes it (GitHub and Netlify)", async ({
    vigie,
    slack,
    peek,
    send,
  }) => {
    // GitHub: a cancelled run alone opens nothing, then failure, cancelled, failure, success.
    const repo = "sem-org/cancelled";
    const run = { repo, workflowId: 3001, branch: "main" };
    const alone = await send.github(failedRunPayload({ ...run, conclusion: "cancelled", updatedAt: at(20) }));
    expect(statusOf(alone)).toBe("200 ignored");
    const noEpisode = await send.github(runPayload({ ...run, updatedAt: at(21) }));
    expect(statusOf(noEpisode)).toBe("200 ignored");
    expect(String(noEpisode.json?.reason)).toContain("no open episode");

    const answers = [
      statusOf(await send.github(failedRunPayload({ ...run, updatedAt: at(22) }))),
      statusOf(await send.github(failedRunPayload({ ...run, conclusion: "cancelled", updatedAt: at(23) }))),
      statusOf(await send.github(failedRunPayload({ ...run, updatedAt: at(24) }))),
      statusOf(await send.github(runPayload({ ...run, updatedAt: at(25) }))),
    ];
    expect(ANNOUNCED).toContain(answers[0]);
    expect(answers.slice(1, 3)).toEqual(["200 ignored", "200 suppressed"]);
    expect(ANNOUNCED).toContain(answers[3]);

    // Netlify: failure, "Canceled build" (a "Deploy failed" notification), then a published deploy.
    const site = "sem-cancel-site";
    const deploy = { site_id: "7a2c9e41-0b3d-4f5e-8a6c-semcancel001", name: site, branch: "main" };
    const netlify = [
      statusOf(
        await send.netlify(failedDeploy({ ...deploy, id: "6650cc00cc00cc00cc000001", updated_at: at(30) })),
      ),
      statusOf(
        await send.netlify(
          cancelledDeploy({ ...deploy, id: "6650cc00cc00cc00cc000002", updated_at: at(31) }),
        ),
      ),
      statusOf(
        await send.netlify(readyDeploy({ ...deploy, id: "6650cc00cc00cc00cc000003", updated_at: at(32) })),
      ),
    ];
    expect(ANNOUNCED).toContain(netlify[0]);
    expect(netlify[1]).toBe("200 ignored");
    expect(ANNOUNCED).toContain(netlify[2]);

    await drainOutbox(vigie, peek);
    const github = about(slack.delivered(), repo).map((m) => String(m.body?.text));
    expect(github).toHaveLength(2);
    expect(github[1]).toContain("Recovered");
    expect(github[1]).toContain("2 failed runs");
    const fromNetlify = about(slack.delivered(), site).map((m) => String(m.body?.text));
    expect(fromNetlify).toHaveLength(2);
    expect(fromNetlify[1]).toContain("Recovered");
    expect(fromNetlify[1]).toContain("1 failed run");
  });

  // Reminders (REMINDER_HOURS) cannot be waited for in real time; test/unit/pipeline/pipeline.test.ts
  // drives them with a clock.

  it("order: a newer success delivered before an older failure leaves the site green, on GitHub and Netlify", async ({
    vigie,
    slack,
    peek,
    send,
  }) => {
    const repo = "sem-order/site";
    const run = { repo, workflowId: 2301, workflowName: "Build and deploy", branch: "main" };
    const newer = await send.github(runPayload({ ...run, runId: 7_230_000_002, updatedAt: at(31) }));
    expect(statusOf(newer)).toBe("200 ignored");
    const older = await send.github(failedRunPayload({ ...run, runId: 7_230_000_001, updatedAt: at(30) }));
    expect(statusOf(older)).toBe("200 suppressed");
    expect(String(older.json?.reason)).toContain("before the newest result");
    // A redelivery days later changes nothing either: it is as stale as the first time.
    expect(
      statusOf(await send.github(failedRunPayload({ ...run, runId: 7_230_000_001, updatedAt: at(30) }))),
    ).toBe("200 suppressed");

    const site = {
      name: "sem-order-netlify",
      site_id: "0f5e1c2a-7d3b-4e8f-9a61-order0000001",
      branch: "main",
    };
    const ready = readyDeploy({
      ...site,
      id: "6650aa00aa00aa00aa00e002",
      created_at: at(31),
      updated_at: at(32),
    });
    expect(statusOf(await send.netlify(ready))).toBe("200 ignored");
    const error = failedDeploy({
      ...site,
      id: "6650aa00aa00aa00aa00e001",
      created_at: at(30),
      updated_at: at(33),
    });
    expect(statusOf(await send.netlify(error))).toBe("200 suppressed");

    await drainOutbox(vigie, peek);
    expect(about(slack.messages, repo)).toHaveLength(0);
    expect(about(slack.messages, site.name)).toHaveLength(0);
    expect((await peek.keys("open/")).filter((key) => key.includes("order"))).toEqual([]);
  });

  // 10 in flight here, so that this suite stays reliable on a loaded CI machine; `npm run bench -- theme`
  // measures 300 sites at 50 in flight.
  it("storm: 60 repositories failing at once give at most 5 single messages plus 2 digests naming all 60", {
    timeout: 120_000,
  }, async ({ vigie, slack, peek, send }) => {
    const repos = Array.from({ length: 60 }, (_, i) => `sem-storm/site-${String(i + 1).padStart(2, "0")}`);
    const before = slack.messages.length;
    const started = Date.now();
    const answers: string[] = [];
    const queue = [...repos];
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let repo = queue.shift(); repo !== undefined; repo = queue.shift()) {
          const answer = await send.github(
            failedRunPayload({ repo, workflowName: "Build and deploy", updatedAt: at(40) }),
          );
          answers.push(`${statusOf(answer)} ${repo}`);
        }
      }),
    );
    const postedIn = Date.now() - started;
    expect(answers.filter((line) => !ANNOUNCED.some((ok) => line.startsWith(ok)))).toEqual([]);

    // The digest goes out once its oldest item has waited STORM_GROUP_WAIT_SECONDS.
    await sleep(STORM_GROUP_WAIT_SECONDS * 1000 + 200);
    await drainOutbox(vigie, peek, { maxSweeps: 8 });

    const storm = slack.messages.slice(before);
    const delivered = storm.filter((m) => m.status === 200);
    const context =
      `${answers.length} failures posted in ${postedIn} ms; Slack saw:\n` +
      storm.map((m) => `${m.status} ${String(m.body?.text).slice(0, 100)}`).join("\n");
    // STORM_THRESHOLD=5: at most 5 sites announced alone (fewer when the tests before left episodes in the
    // window), every other one in digests of at most 40 sites: 55 or more sites need 2.
    const named0 = (m: SlackRequest) => repos.filter((repo) => m.raw.includes(repo)).length;
    const singles = delivered.filter((m) => named0(m) === 1);
    expect(singles.length, context).toBeLessThanOrEqual(5);
    expect(delivered.length - singles.length, context).toBe(Math.ceil((60 - singles.length) / 40));
    expect(
      repos.filter((repo) => !delivered.some((m) => m.raw.includes(repo))),
      context,
    ).toEqual([]);
    // Grouped: some message names many sites (the digest), none names a site twice over two messages.
    const named = (m: SlackRequest) => repos.filter((repo) => m.raw.includes(repo)).length;
    expect(Math.max(...delivered.map(named)), context).toBeGreaterThan(20);
    expect(
      delivered.reduce((sum, m) => sum + named(m), 0),
      context,
    ).toBe(60);
  });

  it("every message of this file is valid Block Kit, delivered exactly once, and 429s were honoured", ({
    slack,
  }) => {
    const requests = slack.messages;
    const delivered = slack.delivered();
    expect(delivered.length).toBeGreaterThan(5);
    for (const message of delivered) {
      expect(validateMessage(message.body as unknown as SlackMessage), message.raw.slice(0, 200)).toEqual([]);
    }
    // No duplicates by content, and every message that was tried reached the channel.
    const bodies = delivered.map((m) => m.raw);
    expect(bodies.length - new Set(bodies).size).toBe(0);
    const tried = new Set(requests.map((m) => m.raw));
    expect(tried.size).toBe(new Set(bodies).size);
    // A 429 may happen (two senders racing for the same second), but only a few, and each time vigie
    // waited for Retry-After (1 s) before posting that message again.
    const limited = requests.filter((m) => m.status === 429);
    expect(limited.length, describe429(requests)).toBeLessThanOrEqual(3);
    for (const rejected of limited) {
      const retry = requests.find((m) => m.index > rejected.index && m.raw === rejected.raw);
      expect(retry, describe429(requests)).toBeDefined();
      expect((retry?.at ?? 0) - rejected.at, describe429(requests)).toBeGreaterThanOrEqual(1_000);
    }
  });
});

const describe429 = (requests: readonly SlackRequest[]): string =>
  requests
    .map((m) => `#${m.index} +${m.at - (requests[0]?.at ?? 0)}ms ${m.status} ${m.raw.slice(0, 80)}`)
    .join("\n");
