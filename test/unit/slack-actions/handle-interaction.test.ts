import { beforeEach, describe, expect, it } from "vitest";
import { memoryLogger } from "../../../src/log.ts";
import { matchSilence } from "../../../src/silences/match-silence.ts";
import { listSilences } from "../../../src/silences/silence-store.ts";
import { readAck } from "../../../src/slack-actions/ack-record.ts";
import { handleInteraction, type InteractionDeps } from "../../../src/slack-actions/handle-interaction.ts";
import { MemoryStore } from "../../../src/store/memory-store.ts";
import {
  CHANNEL,
  clickPayload,
  formBody,
  githubRef,
  gitlabRef,
  MESSAGE_TS,
  netlifyRef,
  SIGNING_SECRET,
  signedHeaders,
  stormClickPayload,
} from "../../fixtures/slack-interactions.ts";
import { Clock } from "../clock.ts";

const GITHUB_TOKEN = "ghp_unitTestTokenNeverShown0000";
const BOT_TOKEN = "xoxb-unit-test-bot-token";
const SLACK_API = "https://slack.test/api/";

interface Call {
  readonly url: string;
  readonly method: string;
  readonly authorization: string | null;
  readonly body: Record<string, unknown> | null;
}

/** fetch standing in for Slack's Web API and the providers' APIs. */
const fakeFetch = (answer: (call: Call) => { status: number; body?: unknown }) => {
  const calls: Call[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const text = typeof init?.body === "string" ? init.body : "";
    const call: Call = {
      url: String(input),
      method: init?.method ?? "GET",
      authorization: new Headers(init?.headers).get("authorization"),
      body: text === "" ? null : (JSON.parse(text) as Record<string, unknown>),
    };
    calls.push(call);
    const { status, body } = answer(call);
    return new Response(JSON.stringify(body ?? {}), {
      status,
      headers: { "content-type": "application/json" },
    });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
};

const slackOk = (call: Call) =>
  call.url.startsWith(SLACK_API) ? { status: 200, body: { ok: true, ts: "1.2" } } : null;

let clock: Clock;
let store: MemoryStore;
let logs: ReturnType<typeof memoryLogger>;

const env = (extra: Record<string, string | undefined> = {}) => ({
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  SLACK_BOT_TOKEN: BOT_TOKEN,
  SLACK_API_URL: SLACK_API,
  GITHUB_TOKEN,
  GITHUB_API_URL: "https://github.test",
  GITLAB_TOKEN: "glpat-unit-test",
  GITLAB_API_URL: "https://gitlab.test/api/v4",
  NETLIFY_AUTH_TOKEN: "nfp_unit_test",
  NETLIFY_API_URL: "https://netlify.test/api/v1",
  ...extra,
});

const deps = (fetch: typeof globalThis.fetch, extra: Partial<InteractionDeps> = {}): InteractionDeps => ({
  env: env(),
  log: logs.log,
  store: () => store,
  now: clock.now,
  fetch,
  ...extra,
});

const click = (payload: unknown, options: { at?: number; secret?: string; body?: string } = {}) => {
  const body = options.body ?? formBody(payload);
  return new Request("https://vigie.test/slack/interactions", {
    method: "POST",
    headers: signedHeaders(body, options.at ?? clock.now(), options.secret),
    body,
  });
};

beforeEach(() => {
  clock = new Clock();
  store = new MemoryStore();
  logs = memoryLogger();
});

describe("POST /slack/interactions: the request", () => {
  const api = () => fakeFetch((call) => slackOk(call) ?? { status: 201 });

  it("answers 404 while SLACK_SIGNING_SECRET is unset", async () => {
    const { fetch } = api();
    const res = await handleInteraction(click(clickPayload({ action: "ack" })), {
      ...deps(fetch),
      env: env({ SLACK_SIGNING_SECRET: undefined }),
    });
    expect(res.status).toBe(404);
  });

  it("answers 405 to a GET", async () => {
    const res = await handleInteraction(
      new Request("https://vigie.test/slack/interactions"),
      deps(api().fetch),
    );
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });

  it("answers 401 without a signature, with a wrong one, an old one, or an altered body", async () => {
    const { fetch, calls } = api();
    const body = formBody(clickPayload({ action: "ack" }));
    const unsigned = new Request("https://vigie.test/slack/interactions", { method: "POST", body });
    const wrong = click(null, { body, secret: "not-the-secret" });
    const old = click(null, { body, at: clock.now() - 301_000 });
    const signed = signedHeaders(body, clock.now());
    const altered = new Request("https://vigie.test/slack/interactions", {
      method: "POST",
      headers: signed,
      body: body.replace("U0ALICE01", "U0MALLORY"),
    });
    for (const req of [unsigned, wrong, old, altered]) {
      expect((await handleInteraction(req, deps(fetch))).status).toBe(401);
    }
    expect(calls).toEqual([]);
    expect(await store.list("")).toEqual([]);
  });

  it("accepts the previous secret during a rotation", async () => {
    const { fetch } = api();
    const res = await handleInteraction(click(clickPayload({ action: "ack" }), { secret: "old-secret" }), {
      ...deps(fetch),
      env: env({ SLACK_SIGNING_SECRET: "new-secret", SLACK_SIGNING_SECRET_PREVIOUS: "old-secret" }),
    });
    expect(res.status).toBe(200);
  });

  it.each([
    ["no payload field", "text=hello"],
    ["a payload that is not JSON", "payload=%7Bnot-json"],
    ["another payload type", formBody({ ...clickPayload({ action: "ack" }), type: "view_submission" })],
    ["no user", formBody({ ...clickPayload({ action: "ack" }), user: undefined })],
    [
      "an unknown vigie control",
      formBody({
        ...clickPayload({ action: "ack" }),
        actions: [{ action_id: "vigie.explode", action_ts: "1.1", value: "x" }],
      }),
    ],
    [
      "a control whose value is not a reference",
      formBody({
        ...clickPayload({ action: "ack" }),
        actions: [{ action_id: "vigie.ack", action_ts: "1.1", value: '{"v":1}' }],
      }),
    ],
    ["an unknown mute duration", formBody(clickPayload({ action: "mute", mute: "forever" }))],
  ])("answers 400 with a log line to %s, and does nothing", async (_name, body) => {
    const { fetch, calls } = api();
    const res = await handleInteraction(click(null, { body }), deps(fetch));
    expect(res.status).toBe(400);
    expect(
      logs.lines.some((line) => line.decision === "bad_request" && typeof line.problem === "string"),
    ).toBe(true);
    expect(calls).toEqual([]);
    expect(await store.list("")).toEqual([]);
  });

  it("answers 200 and does nothing for a click that is not a vigie control (a link button)", async () => {
    const { fetch, calls } = api();
    const res = await handleInteraction(click(clickPayload({ action: "view_logs" })), deps(fetch));
    expect(res.status).toBe(200);
    expect(calls).toEqual([]);
  });

  it("answers before acting: the action runs in what it hands to defer", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((done) => (release = done));
    const { fetch, calls } = api();
    const slow = (async (input: string | URL | Request, init?: RequestInit) => {
      await gate;
      return fetch(input, init);
    }) as typeof globalThis.fetch;
    const deferred: Array<Promise<unknown>> = [];
    const res = await handleInteraction(click(clickPayload({ action: "rerun" })), {
      ...deps(slow),
      defer: (work) => deferred.push(work),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    expect(deferred).toHaveLength(1);
    expect(calls).toEqual([]);
    release();
    await deferred[0];
    expect(calls.map((call) => call.url)).toContain(
      "https://github.test/repos/acme/site-1/actions/runs/1001/rerun-failed-jobs",
    );
  });
});

describe("vigie.rerun", () => {
  it.each([
    [
      githubRef,
      "https://github.test/repos/acme/site-1/actions/runs/1001/rerun-failed-jobs",
      `Bearer ${GITHUB_TOKEN}`,
    ],
    [gitlabRef, "https://gitlab.test/api/v4/projects/42/pipelines/9001/retry", null],
    [netlifyRef(), "https://netlify.test/api/v1/sites/site-id-1/builds", "Bearer nfp_unit_test"],
  ])("asks the provider (%#) and says so in the thread", async (ref, url, authorization) => {
    const { fetch, calls } = fakeFetch((call) => slackOk(call) ?? { status: 201 });
    const res = await handleInteraction(click(clickPayload({ action: "rerun", ref })), deps(fetch));
    expect(res.status).toBe(200);
    const provider = calls.find((call) => call.url === url);
    expect(provider?.method).toBe("POST");
    expect(provider?.authorization).toBe(authorization);
    const reply = calls.find((call) => call.url === `${SLACK_API}chat.postMessage`);
    expect(reply?.body).toMatchObject({ channel: CHANNEL, thread_ts: MESSAGE_TS });
    expect(String(reply?.body?.text)).toMatch(
      /^🔁 <@U0ALICE01> asked for a re-run: (GitHub|GitLab|Netlify) /,
    );
    expect(String(reply?.body?.text)).not.toContain("did not start");
    expect(reply?.authorization).toBe(`Bearer ${BOT_TOKEN}`);
  });

  it("says in words what permission the token lacks, never the token", async () => {
    const { fetch, calls } = fakeFetch(
      (call) =>
        slackOk(call) ?? {
          status: 403,
          body: { message: `Resource not accessible by personal access token ${GITHUB_TOKEN}` },
        },
    );
    await handleInteraction(click(clickPayload({ action: "rerun" })), deps(fetch));
    const reply = calls.find((call) => call.url === `${SLACK_API}chat.postMessage`);
    const text = String(reply?.body?.text);
    expect(text).toContain("GITHUB_TOKEN needs Actions: write on acme/site-1");
    expect(text).toContain("did not start");
    expect(text).not.toContain(GITHUB_TOKEN);
    expect(logs.text()).not.toContain(GITHUB_TOKEN);
  });

  it("says which token is missing", async () => {
    const { fetch, calls } = fakeFetch((call) => slackOk(call) ?? { status: 201 });
    await handleInteraction(click(clickPayload({ action: "rerun", ref: gitlabRef })), {
      ...deps(fetch),
      env: env({ GITLAB_TOKEN: undefined }),
    });
    expect(calls.map((call) => call.url)).toEqual([`${SLACK_API}chat.postMessage`]);
    expect(String(calls[0]?.body?.text)).toContain("GITLAB_TOKEN is not set");
  });

  it("acts once on a replayed interaction (the same action_ts)", async () => {
    const { fetch, calls } = fakeFetch((call) => slackOk(call) ?? { status: 201 });
    const payload = clickPayload({ action: "rerun", actionTs: "1700000200.000001" });
    await handleInteraction(click(payload), deps(fetch));
    clock.advance(10_000);
    expect((await handleInteraction(click(payload), deps(fetch))).status).toBe(200);
    expect(calls.filter((call) => call.url.includes("rerun-failed-jobs"))).toHaveLength(1);
    expect(logs.lines.some((line) => String(line.msg ?? line.message).includes("replayed"))).toBe(true);
  });

  it("refuses someone not in SLACK_ACTION_USERS, telling only them", async () => {
    const { fetch, calls } = fakeFetch((call) => slackOk(call) ?? { status: 201 });
    await handleInteraction(click(clickPayload({ action: "rerun", user: "U0MALLORY" })), {
      ...deps(fetch),
      env: env({ SLACK_ACTION_USERS: "U0ALICE01,U0BOB0001" }),
    });
    expect(calls.map((call) => call.url)).toEqual([`${SLACK_API}chat.postEphemeral`]);
    expect(calls[0]?.body).toMatchObject({ channel: CHANNEL, user: "U0MALLORY" });
    expect(String(calls[0]?.body?.text)).toContain("SLACK_ACTION_USERS");
  });

  it("lets someone in SLACK_ACTION_USERS act", async () => {
    const { fetch, calls } = fakeFetch((call) => slackOk(call) ?? { status: 201 });
    await handleInteraction(click(clickPayload({ action: "rerun", user: "U0BOB0001" })), {
      ...deps(fetch),
      env: env({ SLACK_ACTION_USERS: "U0ALICE01,U0BOB0001" }),
    });
    expect(calls.some((call) => call.url.includes("rerun-failed-jobs"))).toBe(true);
  });
});

describe("vigie.mute", () => {
  it("silences the episode's stream for the chosen time and says so in the thread", async () => {
    const { fetch, calls } = fakeFetch((call) => slackOk(call) ?? { status: 500 });
    await handleInteraction(click(clickPayload({ action: "mute", mute: "4h" })), deps(fetch));
    const [silence] = await listSilences(store);
    expect(silence).toMatchObject({
      match: { stream: githubRef.stream, site: "acme/site-1", branch: "main", source: "github" },
      until: clock.now() + 4 * 3_600_000,
      untilGreen: false,
      by: "<@U0ALICE01>",
    });
    const reply = calls.find((call) => call.url === `${SLACK_API}chat.postMessage`);
    expect(reply?.body).toMatchObject({ channel: CHANNEL, thread_ts: MESSAGE_TS });
    expect(String(reply?.body?.text)).toContain("muted *acme/site-1* on main for 4 hours");
  });

  it("until green: no end time", async () => {
    const { fetch } = fakeFetch((call) => slackOk(call) ?? { status: 500 });
    await handleInteraction(click(clickPayload({ action: "mute", mute: "green" })), deps(fetch));
    const [silence] = await listSilences(store);
    expect(silence).toMatchObject({ until: null, untilGreen: true });
  });
});

describe("vigie.ack", () => {
  it("records who is on it and updates the message in place", async () => {
    const { fetch, calls } = fakeFetch((call) => slackOk(call) ?? { status: 500 });
    await handleInteraction(click(clickPayload({ action: "ack" })), deps(fetch));
    expect(await readAck(store, githubRef.episode)).toMatchObject({
      user: "U0ALICE01",
      stream: githubRef.stream,
      at: clock.now(),
    });
    expect(calls.map((call) => call.url)).toEqual([`${SLACK_API}chat.update`]);
    const update = calls[0]?.body as { channel: string; ts: string; blocks: Array<Record<string, unknown>> };
    expect(update).toMatchObject({ channel: CHANNEL, ts: MESSAGE_TS });
    expect(JSON.stringify(update.blocks)).toContain("🙋 <@U0ALICE01> is on it");
    expect(update.blocks[0]).toMatchObject({ type: "header" });
    expect(update.blocks.at(-1)).toMatchObject({ type: "actions", block_id: "vigie.controls" });
  });
});

describe("vigie.mute_storm (a storm digest)", () => {
  it("silences the sites the digest names for an hour, in one silence", async () => {
    const { fetch, calls } = fakeFetch((call) => slackOk(call) ?? { status: 500 });
    await handleInteraction(click(stormClickPayload(["acme/theme-a", "acme/theme-b"])), deps(fetch));
    const silences = await listSilences(store);
    expect(silences).toHaveLength(1);
    expect(silences[0]).toMatchObject({
      match: { sites: ["acme/theme-a", "acme/theme-b"] },
      until: clock.now() + 3_600_000,
    });
    const target = { branch: "main", source: "github", stream: "s" };
    expect(matchSilence(silences, { ...target, site: "ACME/theme-b" }, clock.now())).not.toBeNull();
    expect(matchSilence(silences, { ...target, site: "acme/theme-c" }, clock.now())).toBeNull();
    const reply = calls.find((call) => call.url === `${SLACK_API}chat.postMessage`);
    expect(String(reply?.body?.text)).toContain("muted these 2 sites for 1 hour");
  });
});
