import { describe, expect, it } from "vitest";
import { deliver, enqueue } from "../../../src/pipeline/deliver.ts";
import { sweep } from "../../../src/pipeline/sweep.ts";
import type { SlackMessage } from "../../../src/slack/message.ts";
import { slackAnswers } from "../fake-slack.ts";
import { pipelineFixture } from "./support.ts";

const message = (text: string): SlackMessage => ({
  text,
  blocks: [{ type: "section", text: { type: "mrkdwn", text } }],
  unfurl_links: false,
  unfurl_media: false,
});

/** One message in the outbox, as the pipeline writes it. */
const queued = (f: ReturnType<typeof pipelineFixture>, id: string) =>
  enqueue({ at: f.clock.now(), id, kind: "failure", summary: id, message: message(id), cause: null }, f.deps);

describe("deliver", () => {
  it("after a 429, no sender posts anything before Retry-After has passed, then each message once", async () => {
    // A real interval: the hold lives in the rate slot that every sender reserves before posting.
    const f = pipelineFixture({}, { intervalMs: 1_100 });
    const posts: Array<{ text: string; at: number }> = [];
    const deps = {
      ...f.deps,
      slack: {
        send: (sent: SlackMessage) => {
          posts.push({ text: sent.text, at: f.clock.now() });
          return f.slack.send(sent);
        },
      },
    };
    const retryAfterMs = slackAnswers.rateLimited.retryAfterMs;
    f.slack.answers.push(slackAnswers.rateLimited);
    const first = await queued(f, "first");
    await expect(deliver(first, deps, { deadline: f.deadline() })).resolves.toMatchObject({ kind: "queued" });
    const limitedAt = f.clock.now();

    // Another message, another sender (a webhook a few seconds later): it must not post either.
    f.clock.advance(2_000);
    const second = await queued(f, "second");
    await expect(deliver(second, deps, { deadline: f.deadline() })).resolves.toMatchObject({
      kind: "queued",
      reason: expect.stringContaining("rate limit"),
    });
    expect(posts.map(({ text }) => text)).toEqual(["first"]);

    // The sweeps that follow post both, none of them inside the window.
    for (let round = 0; round < 4; round++) {
      f.clock.advance(10_000);
      await sweep(deps);
    }
    expect(f.slack.messages.map((m) => m.text).sort()).toEqual(["first", "second"]);
    expect(posts).toHaveLength(3);
    for (const { at } of posts.slice(1)) expect(at).toBeGreaterThanOrEqual(limitedAt + retryAfterMs);
  });
});
