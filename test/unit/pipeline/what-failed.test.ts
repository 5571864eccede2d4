import { describe, expect, it } from "vitest";
import { githubEvent, netlifyEvent } from "../../../samples/events.ts";
import type { FailureEvent, RunEvent } from "../../../src/event.ts";
import { failedAt } from "../../../src/failed-at.ts";
import { type PipelineDeps, processVerdict } from "../../../src/pipeline/pipeline.ts";
import { classify } from "../../../src/pipeline/policy.ts";
import { sweep } from "../../../src/pipeline/sweep.ts";
import { pipelineFixture, textOf } from "./support.ts";

const at = (minutes: number) => new Date(Date.parse("2026-11-27T10:00:00Z") + minutes * 60_000).toISOString();
const site = (i: number, runId = 1000 + i, outcome = "failure") =>
  githubEvent({
    repository: `acme/site-${i}`,
    site: `acme/site-${i}`,
    runId,
    occurredAt: at(runId - 1000),
    outcome,
  });

const upload = failedAt([
  { name: "Deploy", url: "https://github.com/acme/site-1/actions/runs/1/job/2", step: "Upload to host" },
]);

/** A detailFailure that records what it was asked and the deadline it was given. */
const recording = (answer: (event: FailureEvent) => FailureEvent | Promise<FailureEvent>) => {
  const asked: Array<{ key: string; deadline: number }> = [];
  const detailFailure: NonNullable<PipelineDeps["detailFailure"]> = async (event, deadline) => {
    asked.push({ key: `${event.site}:${event.source === "github" ? event.runId : ""}`, deadline });
    return answer(event);
  };
  return { asked, detailFailure };
};

const run = (f: ReturnType<typeof pipelineFixture>, event: RunEvent, deps: PipelineDeps) =>
  processVerdict(classify(event, deps.config), deps, f.deadline());

describe("what failed, through the pipeline", () => {
  it("a failure that opens an episode is told with its failed job; counted failures are not looked up", async () => {
    const f = pipelineFixture();
    const lookup = recording((event) => ({ ...event, failedAt: upload }));
    const deps = { ...f.deps, detailFailure: lookup.detailFailure };
    expect(await run(f, site(1), deps)).toMatchObject({ status: "notified" });
    expect(textOf(f.slack.messages[0])).toContain("Deploy › Upload to host");
    // A second failure of the same stream is only counted: no API call for it.
    expect(await run(f, site(1, 1002), deps)).toMatchObject({ status: "suppressed" });
    expect(lookup.asked.map(({ key }) => key)).toEqual(["acme/site-1:1001"]);
    // The lookup must end early enough for Slack's call to fit before the deadline.
    expect(lookup.asked[0]?.deadline).toBeLessThanOrEqual(f.deadline() - f.deps.slackTimeoutMs);
  });

  it("its reminders say what failed too (kept in the episode once looked up)", async () => {
    const f = pipelineFixture({ REMINDER_HOURS: "24" });
    const lookup = recording((event) => ({ ...event, failedAt: upload }));
    const deps = { ...f.deps, detailFailure: lookup.detailFailure };
    await run(f, site(1), deps);
    f.clock.advance(25 * 3_600_000);
    await sweep(deps);
    const reminder = f.slack.messages.map(textOf).find((text) => text.includes("Still failing"));
    expect(reminder).toContain("Deploy › Upload to host");
  });

  it("a folded failure is not looked up", async () => {
    const f = pipelineFixture();
    const lookup = recording((event) => event);
    const deps = { ...f.deps, detailFailure: lookup.detailFailure };
    const commit = { sha: "abcdef1234567890abcdef1234567890abcdef12", message: "x", url: null, author: null };
    await run(f, netlifyEvent({ commit, occurredAt: at(1) }), deps);
    expect(await run(f, githubEvent({ commit, occurredAt: at(2) }), deps)).toMatchObject({
      status: "suppressed",
    });
    // Netlify's failure says what failed itself (nothing to look up); the folded GitHub one is never asked.
    expect(lookup.asked.map(({ key }) => key)).toEqual([]);
  });

  it("without the detail (a lookup that fails or throws), the message still goes", async () => {
    const f = pipelineFixture();
    const deps = {
      ...f.deps,
      detailFailure: async (): Promise<FailureEvent> => {
        throw new Error("boom");
      },
    };
    expect(await run(f, site(1), deps)).toMatchObject({ status: "notified" });
    expect(textOf(f.slack.messages[0])).not.toContain("Failed at");
    expect(f.logs.lines.some((line) => String(line.msg).startsWith("failed job not looked up"))).toBe(true);
  });

  it("a storm's digest groups its sites by what failed", async () => {
    const f = pipelineFixture({ STORM_THRESHOLD: "2" });
    const lookup = recording((event) => ({ ...event, failedAt: upload }));
    const deps = { ...f.deps, detailFailure: lookup.detailFailure };
    for (let i = 1; i <= 8; i++) await run(f, site(i), deps);
    expect(lookup.asked).toHaveLength(8);
    f.clock.advance(31_000);
    await sweep(deps);
    const digest = f.slack.messages.map(textOf).find((text) => text.includes("failed at once"));
    expect(digest).toContain("6 sites failed at *Deploy › Upload to host*");
  });
});
