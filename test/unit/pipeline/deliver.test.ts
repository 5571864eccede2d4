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

describe("deliver after enqueue", () => {
  /** The keys the store was asked to read, in order. */
  const reads = (f: ReturnType<typeof pipelineFixture>): string[] => {
    const keys: string[] = [];
    const get = f.store.get.bind(f.store);
    f.store.get = async (key) => {
      keys.push(key);
      return get(key);
    };
    return keys;
  };

  it("sends a message it has just written without reading it back: one store round trip less", async () => {
    const f = pipelineFixture();
    const read = reads(f);
    const enqueued = await queued(f, "fresh");
    expect(enqueued.written).not.toBeNull();
    await expect(deliver(enqueued, f.deps, { deadline: f.deadline() })).resolves.toEqual({
      kind: "sent",
      dryRun: false,
    });
    expect(read).not.toContain(enqueued.key);
    expect(f.slack.messages.map((m) => m.text)).toEqual(["fresh"]);
    expect(await f.store.get(enqueued.key)).toMatchObject({ value: { state: "sent", attempts: 1 } });
  });

  it("reads what the store holds when the entry was there already (a replay): sent once, not twice", async () => {
    const f = pipelineFixture();
    const first = await queued(f, "replayed");
    await deliver(first, f.deps, { deadline: f.deadline() });
    const replay = await queued(f, "replayed");
    expect(replay).toEqual({ key: first.key, written: null });
    const read = reads(f);
    await expect(deliver(replay, f.deps, { deadline: f.deadline() })).resolves.toMatchObject({
      kind: "sent",
    });
    expect(read).toContain(first.key);
    expect(f.slack.messages).toHaveLength(1);
  });

  it("loses the race to a sender that took the entry in between: the claim fails, nothing is posted twice", async () => {
    const f = pipelineFixture();
    const enqueued = await queued(f, "raced");
    // The sweep, by key, between this invocation's write and its delivery.
    await expect(deliver(enqueued.key, f.deps, { deadline: f.deadline() })).resolves.toMatchObject({
      kind: "sent",
    });
    await expect(deliver(enqueued, f.deps, { deadline: f.deadline() })).resolves.toEqual({
      kind: "queued",
      reason: "another sender holds it",
    });
    expect(f.slack.messages.map((m) => m.text)).toEqual(["raced"]);
    expect(await f.store.get(enqueued.key)).toMatchObject({ value: { state: "sent", attempts: 1 } });
  });
});

describe("deliver, when the store gives no etag", () => {
  // The local Blobs server's GET has no etag and its listing may miss the key: such a read can never
  // claim, and a refused claim must not be taken for another sender's.
  it("reads the entry again and sends it, rather than leave it queued", async () => {
    const f = pipelineFixture();
    const { key } = await queued(f, "no-etag-once");
    let reads = 0;
    const store = {
      get: async (k: string) => {
        const entry = await f.store.get(k);
        return entry && k === key && reads++ === 0 ? { ...entry, etag: "" } : entry;
      },
      read: (k: string) => f.store.read(k),
      set: f.store.set.bind(f.store),
      list: (p: string) => f.store.list(p),
      delete: (k: string) => f.store.delete(k),
    };
    await expect(deliver(key, { ...f.deps, store }, { deadline: f.deadline() })).resolves.toMatchObject({
      kind: "sent",
    });
    expect(reads).toBe(2);
    expect(f.slack.messages.map((m) => m.text)).toEqual(["no-etag-once"]);
  });
});
