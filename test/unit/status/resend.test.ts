import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.ts";
import { memoryLogger } from "../../../src/log.ts";
import { PREFIX } from "../../../src/pipeline/keys.ts";
import { newEntry, type OutboxEntry } from "../../../src/pipeline/outbox.ts";
import { parseOutboxEntry } from "../../../src/pipeline/records.ts";
import { sweep } from "../../../src/pipeline/sweep.ts";
import { handleStatus } from "../../../src/status/handle-status.ts";
import { parseAge, type ResendCriteria, resendOutbox, wantsResend } from "../../../src/status/resend.ts";
import type { MemoryStore } from "../../../src/store/memory-store.ts";
import { T0 } from "../clock.ts";
import { slackAnswers } from "../fake-slack.ts";
import { baseEnv, github, webhookHarness } from "../support.ts";

const TOKEN = "status-token-0123456789";
const env = { ...baseEnv, VIGIE_STATUS_TOKEN: TOKEN };
const NOW = Date.parse("2026-11-27T12:00:00Z");
const ALL: ResendCriteria = { deadOnly: false, destination: null, sinceMs: null };

const entry = (fields: Partial<OutboxEntry>): OutboxEntry => ({
  ...newEntry(
    {
      id: "m1",
      kind: "failure",
      summary: "failure: acme/site",
      message: { text: "x", blocks: [], unfurl_links: false, unfurl_media: false },
      cause: null,
      after: null,
    },
    NOW - 3_600_000,
  ),
  ...fields,
});

const outbox = async (store: MemoryStore) =>
  Promise.all((await store.list(PREFIX.outbox)).map(async (key) => parseOutboxEntry(await store.read(key))));

describe("which messages a resend takes", () => {
  it.each<[string, Partial<OutboxEntry>, Partial<ResendCriteria>, boolean]>([
    ["a dead message", { state: "dead", attempts: 1 }, {}, true],
    ["a sent one", { state: "sent" }, {}, false],
    ["one being sent", { state: "sending", leaseUntil: NOW + 10_000 }, {}, false],
    ["one waiting for a retry", { state: "pending", attempts: 2, nextAttemptAt: NOW + 60_000 }, {}, true],
    [
      "one waiting for a retry, with --dead",
      { state: "pending", attempts: 2, nextAttemptAt: NOW + 60_000 },
      { deadOnly: true },
      false,
    ],
    [
      "a dead one of another destination",
      { state: "dead", destination: "THEMES" },
      { destination: "default" },
      false,
    ],
    [
      "a dead one of that destination",
      { state: "dead", destination: "THEMES" },
      { destination: "THEMES" },
      true,
    ],
    ["a dead one older than --since", { state: "dead" }, { sinceMs: 30 * 60_000 }, false],
    ["a dead one within --since", { state: "dead" }, { sinceMs: 2 * 3_600_000 }, true],
  ])("%s → %s", (_, fields, criteria, expected) => {
    expect(wantsResend(entry(fields), { ...ALL, ...criteria }, NOW)).toBe(expected);
  });

  it.each([
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["1h", 3_600_000],
    ["7d", 604_800_000],
    ["1 week", null],
    ["0h", null],
  ])("reads --since %s as %s ms", (text, ms) => {
    expect(parseAge(text)).toBe(ms);
  });
});

describe("resend: a dead message goes back to waiting and is sent once more", () => {
  it("after the destination is fixed, the sweep sends it once; a second resend changes nothing", async () => {
    const h = webhookHarness(env);
    h.slack.answers.push(slackAnswers.channelNotFound);
    await h.post((await github.signed(github.failure())).request(), github.source);
    expect((await outbox(h.store)).map((e) => e?.state)).toEqual(["dead"]);
    const before = h.slack.attempts.length;

    const first = await resendOutbox(h.store, ALL, T0);
    expect(first.resent).toEqual([
      expect.objectContaining({ kind: "failure", destination: "default", was: "dead" }),
    ]);
    expect((await outbox(h.store)).map((e) => e?.state)).toEqual(["pending"]);
    expect((await resendOutbox(h.store, ALL, T0)).resent).toEqual([]);

    h.advance(60_000);
    await sweep(h.deps.pipeline(loadConfig(h.deps.env)));
    expect((await outbox(h.store)).map((e) => e?.state)).toEqual(["sent"]);
    expect(h.slack.attempts.length - before).toBe(1);
    await sweep(h.deps.pipeline(loadConfig(h.deps.env)));
    expect((await resendOutbox(h.store, ALL, T0)).resent).toEqual([]);
    expect(h.slack.attempts.length - before).toBe(1);
  });

  it("leaves an entry that changed between its read and its write to whoever changed it", async () => {
    const h = webhookHarness(env);
    h.slack.answers.push(slackAnswers.channelNotFound);
    await h.post((await github.signed(github.failure())).request(), github.source);
    const store = h.store;
    const set = store.set.bind(store);
    store.set = async (key, value, condition) => {
      if (condition?.onlyIfMatch)
        await set(key, { ...((await store.read(key)) as object), summary: "moved" });
      return set(key, value, condition);
    };
    const report = await resendOutbox(store, ALL, T0);
    expect(report).toMatchObject({ resent: [], changed: 1 });
    expect((await outbox(h.store)).map((e) => e?.state)).toEqual(["dead"]);
  });
});

describe("POST /status/outbox/resend", () => {
  const post = (
    store: MemoryStore,
    body: string,
    headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
  ) => {
    const logs = memoryLogger();
    return handleStatus(
      new Request("https://vigie.example/status/outbox/resend", { method: "POST", headers, body }),
      { env, log: logs.log, store: () => store, now: () => NOW },
    ).then(async (response) => ({ response, body: await response.json(), logs }));
  };

  it("needs the status token, like GET /status", async () => {
    const h = webhookHarness(env);
    const { response } = await post(h.store, "{}", {});
    expect(response.status).toBe(401);
    expect(h.store.calls.list).toBe(0);
  });

  it("answers what it put back to waiting", async () => {
    const h = webhookHarness(env);
    h.slack.answers.push(slackAnswers.channelNotFound);
    await h.post((await github.signed(github.failure())).request(), github.source);
    const { response, body, logs } = await post(h.store, JSON.stringify({ deadOnly: true, since: "7d" }));
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ status: "ok", resent: [{ kind: "failure", was: "dead" }], changed: 0 });
    expect(logs.lines).toContainEqual(
      expect.objectContaining({ msg: "status", decision: "resend", resent: 1 }),
    );
    expect(logs.text()).not.toContain(TOKEN);
  });

  it.each([
    ["not JSON", "{"],
    ["a wrong field type", JSON.stringify({ deadOnly: "yes" })],
    ["an unreadable age", JSON.stringify({ since: "a while" })],
  ])("refuses %s with 400, nothing changed", async (_, body) => {
    const h = webhookHarness(env);
    h.slack.answers.push(slackAnswers.channelNotFound);
    await h.post((await github.signed(github.failure())).request(), github.source);
    const answer = await post(h.store, body);
    expect(answer.response.status).toBe(400);
    expect((await outbox(h.store)).map((e) => e?.state)).toEqual(["dead"]);
  });

  it("answers 405 to a GET", async () => {
    const h = webhookHarness(env);
    const response = await handleStatus(
      new Request("https://vigie.example/status/outbox/resend", {
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
      { env, log: memoryLogger().log, store: () => h.store },
    );
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });
});
