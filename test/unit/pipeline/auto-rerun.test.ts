import { describe, expect, it } from "vitest";
import { githubEvent } from "../../../samples/events.ts";
import { discordMessage } from "../../../src/destinations/discord-embed.ts";
import { jsonDocument } from "../../../src/destinations/json-document.ts";
import type { KindMessage, Sender } from "../../../src/destinations/kind.ts";
import { teamsMessage } from "../../../src/destinations/teams-card.ts";
import type { RunEvent } from "../../../src/event.ts";
import { RERUN_WAIT_MS } from "../../../src/pipeline/auto-rerun.ts";
import type { PipelineDeps } from "../../../src/pipeline/pipeline.ts";
import { processVerdict } from "../../../src/pipeline/pipeline.ts";
import { classify } from "../../../src/pipeline/policy.ts";
import { sweep } from "../../../src/pipeline/sweep.ts";
import { passedOnRerunBySite } from "../../../src/rerun/passed-on-rerun.ts";
import { readStatus } from "../../../src/status/read-status.ts";
import { renderStatus } from "../../../src/status/render-status.ts";
import { pipelineFixture, textOf } from "./support.ts";

const ENV = {
  AUTO_RERUN: "site:acme/*",
  GITHUB_TOKEN: "ghp_test",
  GITHUB_API_URL: "https://api.github.example",
};

const at = (minutes: number) => new Date(Date.parse("2026-11-27T10:00:00Z") + minutes * 60_000).toISOString();
const SHA = "a".repeat(40);
const attempt = (n: number, outcome: string, overrides: Partial<Parameters<typeof githubEvent>[0]> = {}) =>
  githubEvent({
    site: "acme/blog",
    repository: "acme/blog",
    runId: 500,
    attempt: n,
    startedAt: at(n * 5),
    occurredAt: at(n * 5 + 3),
    outcome,
    commit: { sha: SHA, message: "push", url: null, author: "Ada" },
    ...overrides,
  });

const setup = (env: Record<string, string> = {}, status = 201) => {
  const f = pipelineFixture({ ...ENV, ...env });
  const calls: string[] = [];
  const fetch = (async (url: string | URL | Request) => {
    calls.push(String(url));
    return new Response(status === 201 ? "" : JSON.stringify({ message: "Resource not accessible" }), {
      status,
    });
  }) as typeof globalThis.fetch;
  const deps: PipelineDeps = { ...f.deps, rerun: { fetch } };
  const run = (event: RunEvent) => processVerdict(classify(event, deps.config), deps, f.deadline());
  return { ...f, deps, calls, run };
};

describe("AUTO_RERUN through the pipeline", () => {
  it("a matching failure is re-run before anyone is told; if it passes, nothing is posted and it counts as passed on re-run", async () => {
    const t = setup();
    expect(await t.run(attempt(1, "failure"))).toMatchObject({
      status: "queued",
      reason: expect.stringContaining("re-run automatically"),
    });
    expect(t.calls).toEqual([
      "https://api.github.example/repos/acme/blog/actions/runs/500/rerun-failed-jobs",
    ]);
    expect(t.slack.messages).toHaveLength(0);
    expect(await t.run(attempt(2, "success"))).toMatchObject({
      status: "suppressed",
      reason: expect.stringContaining("passed on its automatic re-run"),
    });
    expect(t.slack.messages).toHaveLength(0);
    expect((await passedOnRerunBySite(t.store, t.clock.now())).get("acme/blog")).toBe(1);
  });

  it("if the re-run fails too, one message says it failed again after an automatic re-run", async () => {
    const t = setup();
    await t.run(attempt(1, "failure"));
    // A redelivery of the first failure while it waits re-runs nothing more and posts nothing.
    await t.run(attempt(1, "failure"));
    expect(t.calls).toHaveLength(1);
    expect(await t.run(attempt(2, "failure"))).toMatchObject({ status: "notified" });
    expect(t.slack.messages).toHaveLength(1);
    expect(textOf(t.slack.messages[0])).toContain("Failed again after an automatic re-run");
    // A third failure is counted in the open episode, as usual.
    await t.run(attempt(3, "failure"));
    expect(t.slack.messages).toHaveLength(1);
    expect(t.calls).toHaveLength(1);
  });

  it("Teams, Discord and JSON destinations say it too: the note travels in the notice", async () => {
    const sends: Array<{ message: KindMessage; destination: string | undefined }> = [];
    const sender: Sender = {
      send: async (message, options = {}) => {
        sends.push({ message, destination: options.destination });
        return { kind: "sent" };
      },
    };
    const t = setup({
      TEAMS_WEBHOOK_URL_OPS: "https://acme.webhook.office.com/workflows/x",
      DISCORD_WEBHOOK_URL_COMMUNITY: "https://discord.com/api/webhooks/1/token",
      JSON_WEBHOOK_URL_PAGER: "https://pager.example/hooks/x",
      JSON_WEBHOOK_SECRET_PAGER: `whsec_${Buffer.alloc(32, 7).toString("base64")}`,
      ROUTES: "site:acme/* -> OPS, COMMUNITY, PAGER",
    });
    const deps: PipelineDeps = { ...t.deps, slack: sender };
    const run = (event: RunEvent) => processVerdict(classify(event, deps.config), deps, t.deadline());
    const askedAt = new Date(t.clock.now()).toISOString();
    await run(attempt(1, "failure"));
    expect(sends).toHaveLength(0);
    t.clock.advance(5 * 60_000);
    expect(await run(attempt(2, "failure"))).toMatchObject({ status: "notified" });
    expect(sends.map((send) => send.destination).sort()).toEqual(["COMMUNITY", "OPS", "PAGER"]);
    for (const { message } of sends) {
      expect(message).toMatchObject({
        notice: "failure",
        autoRerun: { failedAgain: true, rule: 1, rerunAt: askedAt },
      });
    }
    const [notice] = sends.map((send) => send.message);
    if (!notice) throw new Error("nothing sent");
    expect(JSON.stringify(teamsMessage(notice))).toContain("Failed again after an automatic re-run");
    expect(JSON.stringify(discordMessage(notice))).toContain("Failed again after an automatic re-run");
    expect(jsonDocument(notice, "id")?.data).toMatchObject({ autoRerun: { failedAgain: true, rule: 1 } });
  });

  it("a re-run the provider refuses is announced at once", async () => {
    const t = setup({}, 403);
    expect(await t.run(attempt(1, "failure"))).toMatchObject({ status: "notified" });
    expect(t.slack.messages).toHaveLength(1);
    expect(textOf(t.slack.messages[0])).not.toContain("automatic re-run");
  });

  it("no rule matches, or the hour's budget is spent: announced at once, without calling the provider", async () => {
    const t = setup({ AUTO_RERUN: "site:other/*" });
    expect(await t.run(attempt(1, "failure"))).toMatchObject({ status: "notified" });
    expect(t.calls).toHaveLength(0);

    const b = setup({ AUTO_RERUN_MAX_PER_HOUR: "1" });
    await b.run(attempt(1, "failure"));
    expect(
      await b.run(attempt(1, "failure", { site: "acme/shop", repository: "acme/shop", runId: 600 })),
    ).toMatchObject({
      status: "notified",
    });
    expect(b.calls).toHaveLength(1);
  });
});

describe("the board: waiting, flaky, broken, passed on re-run", () => {
  it("shows the waiting episode, then per site broken, flaky and passed-on-re-run counts over 30 days", async () => {
    const t = setup();
    await t.run(attempt(1, "failure"));
    t.clock.advance(60_000);
    await sweep(t.deps);
    const waiting = await readStatus(t.store, t.deps.config, t.clock.now());
    expect(waiting.episodes.list).toEqual([
      expect.objectContaining({ site: "acme/blog", autoRerun: "waiting" }),
    ]);
    expect(renderStatus(waiting)).toContain("re-run automatically");

    await t.run(attempt(2, "success"));
    // Another site: broken, then fixed by another commit (not flaky).
    const other = { site: "other/site", repository: "other/site", runId: 900 };
    await t.run(attempt(1, "failure", other));
    await t.run(
      attempt(2, "success", {
        ...other,
        commit: { sha: "b".repeat(40), message: "fix", url: null, author: null },
      }),
    );
    t.clock.advance(60_000);
    await sweep(t.deps);
    const report = await readStatus(t.store, t.deps.config, t.clock.now());
    expect(report.history.flaky).toEqual([
      { site: "acme/blog", broken: 1, flaky: 1, passedOnRerun: 1 },
      { site: "other/site", broken: 1, flaky: 0, passedOnRerun: 0 },
    ]);
    expect(renderStatus(report)).toContain("passed on re-run");
  });
});

describe("an automatic re-run that never reports back", () => {
  it("is announced by the sweep after the wait, once", async () => {
    const t = setup();
    await t.run(attempt(1, "failure"));
    t.clock.advance(60_000);
    await sweep(t.deps);
    expect(t.slack.messages).toHaveLength(0);
    t.clock.advance(RERUN_WAIT_MS);
    await sweep(t.deps);
    t.clock.advance(60_000);
    await sweep(t.deps);
    expect(t.slack.messages).toHaveLength(1);
    expect(textOf(t.slack.messages[0])).toContain("acme/blog");
  });
});

describe("step: rules match what the lookup of the failed job found", () => {
  it("a GitHub failure whose webhook names no step is re-run once its jobs are looked up", async () => {
    const t = setup({ AUTO_RERUN: "step:Upload*" });
    const job = { name: "deploy", stage: null, url: null, step: "Upload to CDN", error: null };
    const deps: PipelineDeps = {
      ...t.deps,
      detailFailure: async (event) => ({ ...event, failedAt: { jobs: [job] } }),
    };
    const answer = await processVerdict(classify(attempt(1, "failure"), deps.config), deps, t.deadline());
    expect(answer).toMatchObject({
      status: "queued",
      reason: expect.stringContaining("re-run automatically"),
    });
    expect(t.calls).toHaveLength(1);
  });
});
