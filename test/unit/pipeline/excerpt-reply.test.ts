import { describe, expect, it } from "vitest";
import { githubEvent } from "../../../samples/events.ts";
import type { DestinationSendOptions, OutboxMessage, Sender } from "../../../src/destinations/kind.ts";
import { type FailureEvent, type RunEvent, streamKey } from "../../../src/event.ts";
import { failedAt } from "../../../src/failed-at.ts";
import { followWithExcerpt } from "../../../src/pipeline/excerpt-reply.ts";
import { keys } from "../../../src/pipeline/keys.ts";
import { type PipelineDeps, processVerdict } from "../../../src/pipeline/pipeline.ts";
import { classify } from "../../../src/pipeline/policy.ts";
import { parseOutboxEntry, parseStream } from "../../../src/pipeline/records.ts";
import { formatNotice } from "../../../src/slack/format-notice.ts";
import type { SendResult, SlackMessage } from "../../../src/slack/message.ts";
import { pipelineFixture, textOf } from "./support.ts";

/** Answers a channel's post with a ts, as chat.postMessage does; Discord's with a message id. */
class ThreadSender implements Sender {
  readonly sends: Array<{ message: SlackMessage; options: DestinationSendOptions }> = [];
  private ts = 0;
  async send(stored: OutboxMessage, options: DestinationSendOptions = {}): Promise<SendResult> {
    this.sends.push({ message: formatNotice(stored), options });
    const destination = options.destination ?? "default";
    if (destination.startsWith("#") || destination === "COMMUNITY")
      return { kind: "sent", ts: `1700000000.00${++this.ts}`, channel: destination.replace("#", "") };
    return { kind: "sent" };
  }
}

const ENV = {
  SLACK_WEBHOOK_URL: "https://hooks.example/default",
  SLACK_BOT_TOKEN: "xoxb-test-token",
  TEAMS_WEBHOOK_URL_OPS: "https://acme.webhook.office.com/workflows/x",
  DISCORD_WEBHOOK_URL_COMMUNITY: "https://discord.com/api/webhooks/1/token",
  JSON_WEBHOOK_URL_PAGER: "https://pager.example/hooks/x",
  JSON_WEBHOOK_SECRET_PAGER: `whsec_${Buffer.alloc(32, 7).toString("base64")}`,
  ROUTES: ["site:acme/app-* -> #C0APPS01", "site:acme/kinds-* -> OPS, COMMUNITY, PAGER"].join("\n"),
};

/** What the processing budget gives announce after the answer (PROCESS_BUDGET_MS). */
const BUDGET_MS = 25_000;
const EXCERPT = ['ERROR render of "/posts/hello" failed: template: partials/header.html:4: unexpected EOF'];

let runs = 0;
const failure = (site: string): RunEvent =>
  githubEvent({ repository: site, site, runId: ++runs, occurredAt: "2026-11-27T09:59:00Z" });

/** The failed job as the jobs API tells it; `excerpt` absent: its log did not come in time. */
const build = (excerpt?: readonly string[]) =>
  failedAt([
    {
      name: "Build",
      step: "Build site",
      url: "https://github.com/acme/app-web/actions/runs/1/job/42",
      jobId: 42,
      ...(excerpt === undefined ? {} : { excerpt }),
    },
  ]);

/**
 * A detail lookup whose log comes `late` lookups after the first: until then each takes its whole bound
 * (EXCERPT_WAIT_MS, 8 s on the injected clock) and leaves the excerpt out, as a timeout does.
 */
const lookup = (f: ReturnType<typeof pipelineFixture>, late: number) => {
  const asked: number[] = [];
  const detailFailure = async (event: FailureEvent, deadline: number): Promise<FailureEvent> => {
    asked.push(deadline);
    if (asked.length > late) return { ...event, failedAt: build(EXCERPT) };
    f.clock.advance(8_000);
    return { ...event, failedAt: build() };
  };
  return { asked, detailFailure };
};

const setup = (late: number) => {
  const f = pipelineFixture(ENV);
  const sender = new ThreadSender();
  const looked = lookup(f, late);
  const deps: PipelineDeps = { ...f.deps, slack: sender, detailFailure: looked.detailFailure };
  const run = (event: RunEvent) =>
    processVerdict(classify(event, deps.config), deps, f.clock.now() + BUDGET_MS);
  const outbox = async () =>
    (
      await Promise.all(
        (await f.store.list("outbox/")).map(async (key) => ({ key, ...(await f.store.get(key)) })),
      )
    )
      .map(({ key, value }) => ({ key, entry: parseOutboxEntry(value) }))
      .filter((row) => row.entry !== null);
  const episodeOf = async (event: RunEvent) =>
    parseStream((await f.store.get(keys.stream(streamKey(event))))?.value, streamKey(event))?.episode;
  const to = (destination: string) => sender.sends.filter((s) => s.options.destination === destination);
  return { ...f, sender, deps, run, outbox, to, episodeOf, asked: looked.asked };
};

describe("Slack app: the excerpt that came after its message follows in the thread", () => {
  it("late: the message goes without it, then ONE reply in its thread, after it; the episode keeps it", async () => {
    const t = setup(1);
    const opened = t.clock.now();
    const event = failure("acme/app-web");
    expect(await t.run(event)).toMatchObject({ status: "notified" });
    const [opening, reply, ...more] = t.to("#C0APPS01");
    expect(more).toEqual([]);
    expect(textOf(opening?.message)).toContain("Build › Build site");
    expect(textOf(opening?.message)).not.toContain("unexpected EOF");
    expect(opening?.options.threadTs).toBeUndefined();
    expect(reply?.options.threadTs).toBe("1700000000.001");
    expect(textOf(reply?.message)).toContain("Why it failed");
    expect(textOf(reply?.message)).toContain("unexpected EOF");
    // The second lookup kept the time to post before the processing deadline.
    expect(t.asked[1]).toBeLessThanOrEqual(opened + BUDGET_MS - t.deps.slackTimeoutMs);
    const rows = await t.outbox();
    const first = rows.find((row) => row.entry?.kind === "failure");
    const excerpt = rows.find((row) => row.entry?.kind === "excerpt");
    expect(excerpt?.entry).toMatchObject({
      state: "sent",
      after: first?.key,
      thread: first?.entry?.id,
      destination: "#C0APPS01",
    });
    expect((await t.episodeOf(event))?.first.failedAt?.jobs[0]?.excerpt).toEqual(EXCERPT);
  });

  it("in time: the excerpt is in the message, no reply, no second lookup", async () => {
    const t = setup(0);
    await t.run(failure("acme/app-web"));
    const sends = t.to("#C0APPS01");
    expect(sends).toHaveLength(1);
    expect(textOf(sends[0]?.message)).toContain("unexpected EOF");
    expect(t.asked).toHaveLength(1);
    expect((await t.outbox()).map((row) => row.entry?.kind)).toEqual(["failure"]);
  });

  it.each([
    ["webhook-mode Slack", "acme/site-web"],
    ["Teams, Discord, JSON", "acme/kinds-web"],
  ])("%s: the message goes without it; no reply, no second lookup", async (_, site) => {
    const t = setup(1);
    await t.run(failure(site));
    expect(t.asked).toHaveLength(1);
    expect(t.sender.sends.every((send) => send.options.threadTs === undefined)).toBe(true);
    expect((await t.outbox()).every((row) => row.entry?.kind === "failure")).toBe(true);
  });

  it("a redelivery, or the same reply tried again, still makes one reply", async () => {
    const t = setup(1);
    const event = failure("acme/app-web");
    await t.run(event);
    expect(await t.run(event)).toMatchObject({ status: "duplicate" });
    // As after a crash before the episode kept the excerpt: the reply's id is the episode's.
    const episode = await t.episodeOf(event);
    if (!episode) throw new Error("no open episode");
    const told = { ...(event as FailureEvent), failedAt: build() };
    await followWithExcerpt(streamKey(event), episode, told, t.deps, t.clock.now() + BUDGET_MS);
    expect(t.to("#C0APPS01")).toHaveLength(2);
    expect((await t.outbox()).filter((row) => row.entry?.kind === "excerpt")).toHaveLength(1);
  });

  it("no excerpt even later: nothing is posted", async () => {
    const t = setup(99);
    await t.run(failure("acme/app-web"));
    expect(t.to("#C0APPS01")).toHaveLength(1);
    expect(t.asked.length).toBeGreaterThan(1);
    expect((await t.outbox()).map((row) => row.entry?.kind)).toEqual(["failure"]);
  });
});
