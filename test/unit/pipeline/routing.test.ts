import { describe, expect, it } from "vitest";
import { githubEvent } from "../../../samples/events.ts";
import { loadConfig } from "../../../src/config.ts";
import type {
  OutboxMessage,
  Sender,
  DestinationSendOptions as SendOptions,
} from "../../../src/destinations/kind.ts";
import type { RunEvent } from "../../../src/event.ts";
import { parseLedger } from "../../../src/pipeline/ledger.ts";
import { type PipelineDeps, processVerdict } from "../../../src/pipeline/pipeline.ts";
import { classify } from "../../../src/pipeline/policy.ts";
import { parseOutboxEntry, parseThread } from "../../../src/pipeline/records.ts";
import { sweep } from "../../../src/pipeline/sweep.ts";
import { formatNotice } from "../../../src/slack/format-notice.ts";
import type { SendResult, SlackMessage } from "../../../src/slack/message.ts";
import { pipelineFixture, textOf } from "./support.ts";

/** Records where each message went and with which thread/update; answers per destination. */
class RoutedSlack implements Sender {
  readonly sends: Array<{ message: SlackMessage; options: SendOptions }> = [];
  readonly answers = new Map<string, SendResult[]>();
  private ts = 0;
  async send(stored: OutboxMessage, options: SendOptions = {}): Promise<SendResult> {
    const message = formatNotice(stored);
    this.sends.push({ message, options });
    const destination = options.destination ?? "default";
    const queued = this.answers.get(destination)?.shift();
    if (queued) return queued;
    if (destination.startsWith("#")) {
      return {
        kind: "sent",
        ts: options.updateTs ?? `1700000000.00${++this.ts}`,
        channel: destination.slice(1),
      };
    }
    return { kind: "sent" };
  }
  to(destination: string): Array<{ message: SlackMessage; options: SendOptions }> {
    return this.sends.filter((send) => (send.options.destination ?? "default") === destination);
  }
}

const ENV = {
  SLACK_WEBHOOK_URL: "https://hooks.example/default",
  SLACK_WEBHOOK_URL_THEMES: "https://hooks.example/themes",
  SLACK_WEBHOOK_URL_OPS: "https://hooks.example/ops",
  SLACK_BOT_TOKEN: "xoxb-test-token",
  ROUTES: [
    "site:acme/theme-* -> THEMES, OPS",
    "branch:deploy-preview/** -> none",
    "site:acme/app-* -> #C0APPS01",
    "site:acme/ops-* -> OPS",
  ].join("\n"),
};

const at = (minutes: number) => new Date(Date.parse("2026-11-27T10:00:00Z") + minutes * 60_000).toISOString();
let runs = 0;
const failure = (site: string, overrides: Partial<Parameters<typeof githubEvent>[0]> = {}) =>
  githubEvent({ repository: site, site, runId: ++runs, occurredAt: at(runs), ...overrides });
const success = (site: string, overrides: Partial<Parameters<typeof githubEvent>[0]> = {}) =>
  failure(site, { outcome: "success", ...overrides });

const setup = (env: Record<string, string> = {}, options: { intervalMs?: number } = {}) => {
  const f = pipelineFixture({ ...ENV, ...env }, options);
  const slack = new RoutedSlack();
  const deps: PipelineDeps = { ...f.deps, slack };
  const run = (event: RunEvent) => processVerdict(classify(event, deps.config), deps, f.deadline());
  const outbox = async () =>
    (await Promise.all((await f.store.list("outbox/")).map(async (key) => (await f.store.get(key))?.value)))
      .map(parseOutboxEntry)
      .filter((entry) => entry !== null);
  return { ...f, slack, deps, run, outbox };
};

describe("routes through the pipeline", () => {
  it("one episode's message goes to every routed destination, and its recovery follows it there", async () => {
    const t = setup();
    expect(await t.run(failure("acme/theme-blue"))).toMatchObject({ status: "notified" });
    expect(t.slack.sends.map((s) => s.options.destination).sort()).toEqual(["OPS", "THEMES"]);
    const ids = (await t.outbox()).map((entry) => entry.id.replace(/^[0-9a-f]+/, "<episode>")).sort();
    expect(ids).toEqual(["<episode>:open:OPS", "<episode>:open:THEMES"]);
    // ROUTES changes before the recovery: the recovery still goes where the failure went.
    const changed = { ...t.deps, config: loadConfig({ ...ENV, ROUTES: "site:acme/theme-* -> default" }) };
    const recovered = await processVerdict(
      classify(success("acme/theme-blue"), changed.config),
      changed,
      t.deadline(),
    );
    expect(recovered).toMatchObject({ status: "notified" });
    expect(t.slack.to("THEMES").map((s) => textOf(s.message))).toEqual([
      expect.stringContaining("failed"),
      expect.stringMatching(/Recovered/),
    ]);
    expect(t.slack.to("OPS")).toHaveLength(2);
    expect(t.slack.to("default")).toHaveLength(0);
  });

  it("an unmatched run goes to default; a muted route sends nothing, writes no storm marker, and no recovery", async () => {
    const t = setup();
    await t.run(failure("acme/blog"));
    expect(t.slack.to("default")).toHaveLength(1);
    const muted = await t.run(failure("acme/shop", { branch: "deploy-preview/42" }));
    expect(muted).toMatchObject({
      status: "suppressed",
      reason: "muted: ROUTES sends this run nowhere (rule 2)",
    });
    expect(await t.run(success("acme/shop", { branch: "deploy-preview/42" }))).toMatchObject({
      status: "suppressed",
      reason: expect.stringContaining("the route is muted"),
    });
    t.clock.advance(48 * 3_600_000);
    await sweep(t.deps);
    expect(t.slack.sends.filter((s) => textOf(s.message).includes("acme/shop"))).toHaveLength(0);
    expect((await t.store.list("ledger/")).filter((key) => key !== "ledger/default")).toEqual([]);
  });

  it("storms are counted per destination: a flood of theme sites does not group the ops channel's failure", async () => {
    const t = setup({ STORM_THRESHOLD: "2", ROUTES: "site:acme/theme-* -> THEMES; site:acme/ops-* -> OPS" });
    const themes = [];
    for (let i = 1; i <= 4; i++) themes.push(await t.run(failure(`acme/theme-${i}`)));
    expect(themes.map((r) => r.status)).toEqual(["notified", "notified", "queued", "queued"]);
    expect(await t.run(failure("acme/ops-db"))).toMatchObject({ status: "notified" });
    // Each destination's ledger lets in its own singles: two of the four theme sites, the ops failure.
    expect(parseLedger(await t.store.read("ledger/THEMES")).openers).toHaveLength(2);
    expect(parseLedger(await t.store.read("ledger/OPS")).openers).toHaveLength(1);
    expect((await t.store.list("digest/THEMES/")).length).toBe(2);
    t.clock.advance(31_000);
    await sweep(t.deps);
    const digest = t.slack.to("THEMES").at(-1);
    expect(textOf(digest?.message)).toContain("acme/theme-3");
    expect(textOf(digest?.message)).toContain("acme/theme-4");
    expect(t.slack.to("OPS").map((s) => textOf(s.message))).toEqual([expect.stringContaining("acme/ops-db")]);
  });

  it("rate slots and 429 holds are per destination: a held destination never delays another", async () => {
    const t = setup({}, { intervalMs: 1_100 });
    t.slack.answers.set("THEMES", [
      { kind: "retryable", reason: "http 429", status: 429, retryAfterMs: 30_000 },
    ]);
    const start = t.clock.now();
    expect(await t.run(failure("acme/theme-blue"))).toMatchObject({ status: "queued" });
    expect(t.slack.to("OPS")).toHaveLength(1);
    expect(await t.store.get("ledger/THEMES")).toMatchObject({ value: { nextAt: start + 30_000 } });
    expect(await t.store.get("ledger/OPS")).toMatchObject({ value: { nextAt: start + 1_100 } });
    // OPS posts again at once (its own slot); THEMES waits for Retry-After.
    expect(await t.run(failure("acme/ops-db"))).toMatchObject({ status: "notified" });
    expect(t.clock.now() - start).toBeLessThan(30_000);
    expect(t.slack.to("THEMES")).toHaveLength(1);
    t.clock.advance(31_000);
    await sweep(t.deps);
    expect(t.slack.to("THEMES")).toHaveLength(2);
  });

  it("a dead destination does not stop the others, and is reported", async () => {
    const t = setup();
    t.slack.answers.set("THEMES", [{ kind: "dead", reason: "http 404: no_service", status: 404 }]);
    const result = await t.run(failure("acme/theme-blue"));
    expect(result).toMatchObject({
      status: "failed",
      reason: expect.stringContaining("no_service (1 of 2 destinations)"),
    });
    expect(t.slack.to("OPS")).toHaveLength(1);
    const states = Object.fromEntries((await t.outbox()).map((e) => [e.destination, e.state]));
    expect(states).toEqual({ THEMES: "dead", OPS: "sent" });
  });

  it("mentions who triggered the run, from SLACK_MENTIONS only", async () => {
    const t = setup({ SLACK_MENTIONS: "ada=U0ADA123" });
    await t.run(failure("acme/blog"));
    expect(t.slack.sends[0]?.message.text).toContain("<@U0ADA123>");
    const other = setup({ SLACK_MENTIONS: "someone=U0ADA123" });
    await other.run(failure("acme/blog"));
    expect(textOf(other.slack.sends[0]?.message)).not.toContain("<@");
  });
});

describe("Slack app threads", () => {
  it("keeps the failure message's ts; reminders and the recovery reply in its thread; the original is updated", async () => {
    const t = setup({ REMINDER_HOURS: "24" });
    await t.run(failure("acme/app-web"));
    const [opening] = t.slack.to("#C0APPS01");
    expect(opening?.options).toMatchObject({ destination: "#C0APPS01" });
    expect(opening?.options.threadTs).toBeUndefined();
    const threads = await t.store.list("threads/");
    expect(threads).toHaveLength(1);
    const thread = parseThread((await t.store.get(threads[0] as string))?.value);
    expect(thread).toMatchObject({ channel: "C0APPS01", ts: "1700000000.001" });
    t.clock.advance(25 * 3_600_000);
    await sweep(t.deps);
    const reminder = t.slack.to("#C0APPS01")[1];
    expect(textOf(reminder?.message)).toMatch(/Still failing/);
    expect(reminder?.options.threadTs).toBe("1700000000.001");
    expect(await t.run(success("acme/app-web"))).toMatchObject({ status: "notified" });
    const [, , recovery, update] = t.slack.to("#C0APPS01");
    expect(textOf(recovery?.message)).toMatch(/Recovered/);
    expect(recovery?.options).toMatchObject({ threadTs: "1700000000.001" });
    expect(recovery?.options.updateTs).toBeUndefined();
    expect(update?.options).toMatchObject({ updateTs: "1700000000.001" });
    expect(update?.options.threadTs).toBeUndefined();
    expect(update?.message.blocks[0]).toMatchObject({
      type: "header",
      text: { text: expect.stringMatching(/^✅ Recovered \(was: /) },
    });
    expect(textOf(update?.message)).toContain("1 failed run");
    expect(textOf(update?.message)).toContain("acme/app-web");
  });

  it("a recovery whose failure message has no ts (posted before app mode) goes out alone; nothing to update", async () => {
    const t = setup();
    t.slack.answers.set("#C0APPS01", [{ kind: "sent" }]);
    await t.run(failure("acme/app-web"));
    expect(await t.store.list("threads/")).toEqual([]);
    expect(await t.run(success("acme/app-web"))).toMatchObject({ status: "notified" });
    const sends = t.slack.to("#C0APPS01");
    expect(sends).toHaveLength(2);
    expect(sends[1]?.options.threadTs).toBeUndefined();
    expect((await t.outbox()).every((entry) => entry.state === "sent")).toBe(true);
  });
});
