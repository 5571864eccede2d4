import { describe, expect, it } from "vitest";
import { failedRunPayload, runPayload } from "../../../samples/github.ts";
import { loadConfig } from "../../../src/config.ts";
import { decisionOf, renderExplanation } from "../../../src/explain/decisions.ts";
import { explainSite } from "../../../src/explain/explain-site.ts";
import type { ExplainedRun, Explanation } from "../../../src/explain/explanation.ts";
import { explanationSchema } from "../../../src/explain/explanation.ts";
import { memoryLogger } from "../../../src/log.ts";
import { handleStatus } from "../../../src/status/handle-status.ts";
import { slackAnswers } from "../fake-slack.ts";
import { baseEnv, github, netlify, webhookHarness } from "../support.ts";

const run = (fields: Partial<ExplainedRun>): ExplainedRun => ({
  key: "github:acme/site-1:1:1",
  at: Date.parse("2026-11-27T10:05:00Z"),
  status: "queued",
  reason: "episode opened",
  messages: [],
  ...fields,
});
const message = (state: string, lastError: string | null = null) => ({
  kind: "failure",
  destination: "default",
  state,
  attempts: 1,
  lastError,
  nextAttemptAt: state === "pending" ? Date.parse("2026-11-27T10:10:00Z") : null,
});

describe("the decision taken for each run (pure)", () => {
  it.each<[string, Partial<ExplainedRun>, string, RegExp]>([
    ["a message sent", { messages: [message("sent")] }, "sent", /failure to default, 1 attempt/],
    [
      "a dry run",
      { status: "notified", reason: "episode opened (dry run: printed to the log)" },
      "printed",
      /dry run/,
    ],
    [
      "a message waiting",
      { messages: [message("pending", "http 500")] },
      "waiting",
      /last error: http 500; next try 2026-11-27 10:10 UTC/,
    ],
    [
      "a dead message",
      { messages: [message("dead", "http 404: channel_not_found")] },
      "dead",
      /channel_not_found; .*resend --dead/,
    ],
    [
      "a storm digest",
      { reason: "storm: grouped into the next digest" },
      "digested",
      /one message for many sites/,
    ],
    [
      "folded",
      { status: "suppressed", reason: "folded: commit abc already announced by netlify:x" },
      "folded",
      /already announced/,
    ],
    [
      "muted",
      { status: "suppressed", reason: "muted: ROUTES sends this run nowhere (rule 2)" },
      "muted",
      /rule 2/,
    ],
    ["silenced", { status: "suppressed", reason: "silenced until green by ops" }, "silenced", /silenced/],
    [
      "counted",
      { status: "suppressed", reason: "counted: episode open since x, 3 failed runs" },
      "counted",
      /announced already/,
    ],
    ["ignored", { status: "ignored", reason: "success; no open episode" }, "ignored", /no open episode/],
    [
      "a duplicate",
      { status: "duplicate", reason: "already handled (queued)" },
      "duplicate",
      /already handled/,
    ],
  ])("%s → %s", (_, fields, decision, detail) => {
    const got = decisionOf(run(fields));
    expect(got.decision).toBe(decision);
    expect(got.detail).toMatch(detail);
  });

  it("renders a fixed explanation as the same lines", () => {
    const explanation: Explanation = {
      site: "site-1",
      streams: [
        {
          stream: "github:acme/site-1:1001:main",
          source: "github",
          site: "acme/site-1",
          branch: "main",
          workflow: "Build",
          episode: {
            openedAt: "2026-11-27T10:00:00Z",
            failedRuns: 2,
            lastFailureAt: "2026-11-27T10:05:00Z",
            delivery: "message",
            foldedInto: null,
            reminders: 0,
            destinations: ["default"],
          },
          lastClosedAt: null,
          route: { destinations: ["default"], rule: null },
          runs: [
            run({ key: "k2", status: "suppressed", reason: "counted: episode open since x, 2 failed runs" }),
            run({ key: "k1", messages: [message("dead", "http 404: channel_not_found")] }),
          ],
        },
      ],
      policy: { branches: null, conclusions: ["failure"], dryRun: true },
      truncated: false,
    };
    expect(renderExplanation(explanation)).toEqual([
      "acme/site-1 (github, branch main, workflow Build)",
      "  stream github:acme/site-1:1001:main",
      "  episode: open since 2026-11-27 10:00 UTC, 2 failed runs, announced to default",
      "  route now: default (no ROUTES rule matched); default is a DRY RUN: printed, not sent",
      "  last 2 runs, newest first:",
      "    2026-11-27 10:05 UTC  counted     counted: episode open since x, 2 failed runs (the episode was announced already)  [k2]",
      "    2026-11-27 10:05 UTC  dead        http 404: channel_not_found; once the destination is fixed: npm run outbox -- resend --dead  [k1]",
      "",
    ]);
  });

  it("says what leaves no trace when nothing is stored for the site", () => {
    const lines = renderExplanation({
      site: "ghost",
      streams: [],
      policy: { branches: ["main"], conclusions: ["failure", "timed_out"], dryRun: false },
      truncated: false,
    });
    expect(lines[0]).toBe("No stored state for ghost: vigie never acted on a run of it.");
    expect(lines.join("\n")).toContain("BRANCHES is main; failures are failure, timed_out.");
  });
});

describe("explain, from the state the pipeline stored", () => {
  it("finds the site's stream by name, with its episode, its runs' decisions and its route", async () => {
    const h = webhookHarness(baseEnv);
    h.slack.answers.push(slackAnswers.channelNotFound);
    await h.post((await github.signed(failedRunPayload({ repo: "acme/site-2" }))).request(), github.source);
    h.advance(60_000);
    await h.post((await github.signed(failedRunPayload({ repo: "acme/site-2" }))).request(), github.source);
    await h.post((await github.signed(failedRunPayload({ repo: "acme/site-10" }))).request(), github.source);

    const explanation = await explainSite(h.store, loadConfig(baseEnv), "site-2");
    expect(explanation.streams).toHaveLength(1);
    const [stream] = explanation.streams;
    expect(stream).toMatchObject({
      site: "acme/site-2",
      source: "github",
      branch: "main",
      episode: { failedRuns: 2, delivery: "message", destinations: ["default"] },
      route: { destinations: ["default"], rule: null },
    });
    expect(stream?.runs.map((r) => decisionOf(r).decision)).toEqual(["counted", "dead"]);
    expect(explanationSchema.safeParse(explanation).success).toBe(true);
  });

  it("finds a Netlify site whose episode closed through a recent message naming it", async () => {
    const h = webhookHarness(baseEnv);
    await h.post((await netlify.signed(netlify.failure({ site: "docs-site" }))).request(), netlify.source);
    const closed = await explainSite(h.store, loadConfig(baseEnv), "docs-site");
    expect(closed.streams).toHaveLength(1);
    expect(closed.streams[0]?.source).toBe("netlify");
    expect(closed.streams[0]?.runs.map((r) => decisionOf(r).decision)).toEqual(["sent"]);
    expect((await explainSite(h.store, loadConfig(baseEnv), "nothing-here")).streams).toEqual([]);
  });

  it("answers the same through GET /status/explain for a deployed vigie", async () => {
    const env = { ...baseEnv, VIGIE_STATUS_TOKEN: "t0ken-for-status" };
    const h = webhookHarness(env);
    await h.post((await github.signed(failedRunPayload({ repo: "acme/site-2" }))).request(), github.source);
    await h.post(
      (await github.signed(runPayload({ repo: "acme/site-2", updatedAt: "2024-05-01T13:00:00Z" }))).request(),
      github.source,
    );
    const response = await handleStatus(
      new Request("https://vigie.example/status/explain?site=acme/site-2", {
        headers: { authorization: "Bearer t0ken-for-status" },
      }),
      { env, log: memoryLogger().log, store: () => h.store },
    );
    expect(response.status).toBe(200);
    const body = explanationSchema.parse(await response.json());
    expect(body.streams[0]?.episode).toBeNull();
    // The recovery, then the failure that opened the episode it closed: each with its messages.
    expect(body.streams[0]?.runs.map((r) => r.status)).toEqual(["notified", "notified"]);
  });
});
