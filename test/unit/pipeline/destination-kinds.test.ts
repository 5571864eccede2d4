import { describe, expect, it } from "vitest";
import { githubEvent } from "../../../samples/events.ts";
import type { DestinationSendOptions, OutboxMessage, Sender } from "../../../src/destinations/kind.ts";
import { isNotice } from "../../../src/destinations/notice.ts";
import type { RunEvent } from "../../../src/event.ts";
import { type PipelineDeps, processVerdict } from "../../../src/pipeline/pipeline.ts";
import { classify } from "../../../src/pipeline/policy.ts";
import { parseOutboxEntry } from "../../../src/pipeline/records.ts";
import { sweep } from "../../../src/pipeline/sweep.ts";
import type { SendResult } from "../../../src/slack/message.ts";
import { pipelineFixture } from "./support.ts";

/** Records what each destination was handed; Discord answers with a message id, as with ?wait=true. */
class KindsSender implements Sender {
  readonly sends: Array<{ message: OutboxMessage; options: DestinationSendOptions }> = [];
  async send(message: OutboxMessage, options: DestinationSendOptions = {}): Promise<SendResult> {
    this.sends.push({ message, options });
    return options.destination === "COMMUNITY" && !options.threadTs
      ? { kind: "sent", ts: `msg-${this.to("COMMUNITY").length}`, channel: "42" }
      : { kind: "sent" };
  }
  to(destination: string) {
    return this.sends.filter((send) => send.options.destination === destination);
  }
}

const ENV = {
  SLACK_WEBHOOK_URL: "https://hooks.example/default",
  TEAMS_WEBHOOK_URL_OPS: "https://acme.webhook.office.com/workflows/x",
  DISCORD_WEBHOOK_URL_COMMUNITY: "https://discord.com/api/webhooks/1/token",
  JSON_WEBHOOK_URL_PAGER: "https://pager.example/hooks/x",
  JSON_WEBHOOK_SECRET_PAGER: `whsec_${Buffer.alloc(32, 7).toString("base64")}`,
  ROUTES: "site:acme/* -> OPS, COMMUNITY, PAGER",
  REMINDER_HOURS: "1",
};

let runs = 0;
const at = (minutes: number) => new Date(Date.parse("2026-11-27T10:00:00Z") + minutes * 60_000).toISOString();
const failure = (site: string) =>
  githubEvent({ repository: site, site, runId: ++runs, occurredAt: at(runs) });
const success = (site: string) => ({ ...failure(site), outcome: "success" }) as RunEvent;

const setup = () => {
  const f = pipelineFixture(ENV);
  const sender = new KindsSender();
  const deps: PipelineDeps = { ...f.deps, slack: sender };
  const run = (event: RunEvent) => processVerdict(classify(event, deps.config), deps, f.deadline());
  return { ...f, sender, deps, run };
};

describe("the pipeline and the destination kinds", () => {
  it("stores notices, not Slack messages, and gives each send its outbox id (the JSON webhook-id)", async () => {
    const t = setup();
    await t.run(failure("acme/site-a"));
    for (const key of await t.store.list("outbox/")) {
      const entry = parseOutboxEntry((await t.store.get(key))?.value);
      expect(entry?.message).toMatchObject({ notice: "failure", episode: { failedRuns: 1 } });
    }
    const pager = t.sender.to("PAGER");
    expect(pager).toHaveLength(1);
    expect(pager[0]?.options.messageId).toMatch(/:open:PAGER$/);
  });

  it("Discord keeps the failure message's id and its recovery edits it; the others get a recovery post", async () => {
    const t = setup();
    await t.run(failure("acme/site-b"));
    const [opening] = t.sender.to("COMMUNITY");
    expect(opening?.options.threadTs).toBeUndefined();
    await t.run(success("acme/site-b"));
    const community = t.sender.to("COMMUNITY");
    expect(community).toHaveLength(2);
    expect(community[1]?.options.threadTs).toBe("msg-1");
    const recovery = community[1]?.message;
    expect(recovery && isNotice(recovery) && recovery.notice === "recovery" && recovery.first?.site).toBe(
      "acme/site-b",
    );
    for (const name of ["OPS", "PAGER"]) {
      expect(t.sender.to(name).map((send) => (send.message as { notice: string }).notice)).toEqual([
        "failure",
        "recovery",
      ]);
      expect(t.sender.to(name)[1]?.options.threadTs).toBeUndefined();
    }
    // No separate update (that is the Slack app's way).
    expect(t.sender.sends.some((send) => (send.message as { notice?: string }).notice === "update")).toBe(
      false,
    );
  });

  it("reminders are posted, not threaded, on every kind but the Slack app", async () => {
    const t = setup();
    await t.run(failure("acme/site-c"));
    t.clock.advance(2 * 3_600_000);
    await sweep(t.deps);
    const reminders = t.sender.sends.filter(
      (send) => (send.message as { notice?: string }).notice === "reminder",
    );
    expect(reminders.map((send) => send.options.destination).sort()).toEqual(["COMMUNITY", "OPS", "PAGER"]);
    for (const reminder of reminders) expect(reminder.options.threadTs).toBeUndefined();
  });
});

describe("outbox entries written before notices", () => {
  const entry = (message: unknown) => ({
    v: 1,
    id: "ep:open:default",
    kind: "failure",
    summary: "s",
    message,
    state: "pending",
    attempts: 0,
    createdAt: 0,
    nextAttemptAt: 0,
    leaseUntil: 0,
    lastError: null,
    sentAt: null,
    cause: null,
  });
  const slack = { text: "❌ old", blocks: [{ type: "divider" }], unfurl_links: false, unfurl_media: false };

  it("still read, and go to Slack kinds as they are", async () => {
    const parsed = parseOutboxEntry(entry(slack));
    expect(parsed?.message).toEqual(slack);
    const { formatNotice } = await import("../../../src/slack/format-notice.ts");
    expect(formatNotice(parsed?.message as OutboxMessage)).toEqual(slack);
  });

  it("a notice that does not parse makes the entry unreadable, like any bad record", () => {
    expect(parseOutboxEntry(entry({ notice: "failure", event: { site: 1 } }))).toBeNull();
    expect(parseOutboxEntry(entry({ text: 1 }))).toBeNull();
  });
});
