import { describe, expect, it } from "vitest";
import { githubEvent, netlifyEvent } from "../../../samples/events.ts";
import type { RunEvent } from "../../../src/event.ts";
import { processVerdict } from "../../../src/pipeline/pipeline.ts";
import { classify } from "../../../src/pipeline/policy.ts";
import { T0 } from "../clock.ts";
import { pipelineFixture } from "./support.ts";

const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const commit = {
  sha: "0123456789abcdef0123456789abcdef01234567",
  message: "Theme 3.0",
  url: null,
  author: "Ada",
};

const run = (f: ReturnType<typeof pipelineFixture>, event: RunEvent) =>
  processVerdict(classify(event, f.deps.config), f.deps, f.deadline());

/**
 * GitHub announces a failure of a commit, then its run succeeds again `closedAfter` seconds later; the
 * Netlify failure of the same commit arrives `netlifyAfter` seconds after the announcement.
 */
const scenario = async (netlifyAfter: number) => {
  const f = pipelineFixture();
  await run(f, githubEvent({ runId: 1, commit, occurredAt: at(0) }));
  f.clock.advance(5_000);
  await run(f, githubEvent({ runId: 2, commit, occurredAt: at(5), outcome: "success" }));
  f.clock.advance(netlifyAfter * 1000 - 5_000);
  const answer = await run(f, netlifyEvent({ commit, occurredAt: at(netlifyAfter) }));
  return { f, answer };
};

describe("folding", () => {
  it("a claim less than 60 s old folds the other source's failure, even when its episode closed in between", async () => {
    const { f, answer } = await scenario(59);
    expect(answer).toMatchObject({ status: "suppressed", reason: expect.stringContaining("folded") });
    // GitHub's failure and its recovery; nothing about the Netlify site.
    expect(f.slack.messages).toHaveLength(2);
    expect(f.slack.messages.filter((m) => m.text.includes("acme-site-1"))).toEqual([]);
  });

  it("from 60 s on, a closed episode's claim no longer folds: the failure is news again", async () => {
    const { answer } = await scenario(60);
    expect(answer).toMatchObject({ status: "notified" });
  });
});
