/**
 * Acting from Slack, end to end through Netlify's local runtime: signed interactivity requests to the real
 * `POST /slack/interactions`, re-runs asked of a stand-in for the providers' APIs (GITHUB_API_URL,
 * GITLAB_API_URL, NETLIFY_API_URL), replies, updates and ephemeral words to a stand-in for Slack's Web API
 * (SLACK_API_URL), silences in the local Blobs store, and `npm run silence` against the same store.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
} from "../fixtures/slack-interactions.ts";
import { startWebApiStandIn, type WebApiStandIn } from "../fixtures/slack-web-api.ts";
import { rerunStandIn, type StandIn } from "./api-stand-ins.ts";
import { startVigie, type Vigie } from "./harness.ts";
import { runScript } from "./run-script.ts";
import { sleep, testEnv } from "./support.ts";

const BOT_TOKEN = "xoxb-it-bot-token-0000";
const GITHUB_TOKEN = "ghp_itTokenNeverShown000000";
const STATUS_TOKEN = "it-status-token-5f4e3d";
const REFUSED_RUN = 403;

let vigie: Vigie;
let api: WebApiStandIn;
let providers: StandIn;

const click = (payload: unknown) => {
  const body = formBody(payload);
  return vigie.request("/slack/interactions", {
    method: "POST",
    headers: signedHeaders(body, Date.now()),
    body,
  });
};

/** Waits until the provider stand-in has had `count` requests. */
const waitForProvider = async (count: number) => {
  for (let i = 0; i < 200 && providers.requests.length < count; i++) await sleep(50);
  return providers.requests;
};

const callsOf = (method: string) => api.calls.filter((call) => call.method === method);
const waitForCall = async (method: string, count = 1) => {
  for (let i = 0; i < 300 && callsOf(method).length < count; i++) await sleep(50);
  return callsOf(method);
};

const statusSilences = async () => {
  const res = await vigie.request("/status/silences", {
    headers: { authorization: `Bearer ${STATUS_TOKEN}` },
  });
  expect(res.status).toBe(200);
  return (
    (await res.json()) as { silences: Array<{ id: string; match: Record<string, unknown>; by: string }> }
  ).silences;
};

beforeAll(async () => {
  [api, providers] = await Promise.all([
    startWebApiStandIn(),
    rerunStandIn((path) => (path.includes("/runs/4030/") ? REFUSED_RUN : 201)),
  ]);
  vigie = await startVigie({
    env: testEnv(null, {
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: api.url,
      SLACK_ACTION_USERS: "U0ALICE01",
      GITHUB_TOKEN,
      GITHUB_API_URL: providers.url,
      GITLAB_TOKEN: "glpat-it-token",
      GITLAB_API_URL: providers.url,
      NETLIFY_AUTH_TOKEN: "nfp_it_token",
      NETLIFY_API_URL: providers.url,
      VIGIE_STATUS_TOKEN: STATUS_TOKEN,
    }),
  });
}, 120_000);

afterAll(async () => {
  await vigie?.dispose();
  await Promise.all([api?.close(), providers?.close()]);
});

describe("POST /slack/interactions through the local runtime", () => {
  it("refuses an unsigned request (401) and does nothing", async () => {
    const res = await vigie.request("/slack/interactions", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: formBody(clickPayload({ action: "rerun" })),
    });
    expect(res.status).toBe(401);
    await sleep(300);
    expect(providers.requests).toEqual([]);
  });

  it("Re-run on GitHub, GitLab and Netlify: the provider is asked, the thread says so", async () => {
    for (const ref of [githubRef, gitlabRef, netlifyRef()]) {
      expect((await click(clickPayload({ action: "rerun", ref }))).status).toBe(200);
    }
    const asked = await waitForProvider(3);
    expect(asked.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      "POST /projects/42/pipelines/9001/retry",
      "POST /repos/acme/site-1/actions/runs/1001/rerun-failed-jobs",
      "POST /sites/site-id-1/builds",
    ]);
    expect(asked.find((r) => r.path.startsWith("/repos/"))?.authorization).toBe(`Bearer ${GITHUB_TOKEN}`);
    expect(asked.find((r) => r.path.startsWith("/projects/"))?.privateToken).toBe("glpat-it-token");
    const replies = await waitForCall("chat.postMessage", 3);
    for (const reply of replies) {
      expect(reply).toMatchObject({
        channel: CHANNEL,
        threadTs: MESSAGE_TS,
        authorization: `Bearer ${BOT_TOKEN}`,
      });
      expect(reply.text).toMatch(/^🔁 <@U0ALICE01> asked for a re-run: /);
    }
  });

  it("a refused re-run is told in words in the thread, never with the token", async () => {
    const before = callsOf("chat.postMessage").length;
    const ref = {
      ...githubRef,
      target: { source: "github" as const, repository: "acme/site-1", runId: 4030 },
    };
    expect((await click(clickPayload({ action: "rerun", ref }))).status).toBe(200);
    const replies = await waitForCall("chat.postMessage", before + 1);
    const text = replies.at(-1)?.text ?? "";
    expect(text).toContain("GITHUB_TOKEN needs Actions: write on acme/site-1");
    expect(text).not.toContain(GITHUB_TOKEN);
    expect(vigie.logs()).not.toContain(GITHUB_TOKEN);
    expect(vigie.logs()).not.toContain(SIGNING_SECRET);
  });

  it("a replayed interaction is acted on once", async () => {
    const payload = clickPayload({ action: "rerun", actionTs: "1700000999.000001" });
    const first = providers.requests.length;
    expect((await click(payload)).status).toBe(200);
    await waitForProvider(first + 1);
    expect((await click(payload)).status).toBe(200);
    await vigie.waitForLog((line) => String(line.msg ?? line.message ?? "").includes("replayed"));
    await sleep(300);
    expect(providers.requests.length).toBe(first + 1);
  });

  it("someone not in SLACK_ACTION_USERS is told so, only them, and nothing is done", async () => {
    const first = providers.requests.length;
    expect((await click(clickPayload({ action: "rerun", user: "U0MALLORY" }))).status).toBe(200);
    const [ephemeral] = await waitForCall("chat.postEphemeral");
    expect(ephemeral).toMatchObject({ channel: CHANNEL, user: "U0MALLORY" });
    expect(ephemeral?.text).toContain("SLACK_ACTION_USERS");
    expect(providers.requests.length).toBe(first);
  });

  it("Mute: a silence of the stream, listed by the status route, and a word in the thread", async () => {
    const before = callsOf("chat.postMessage").length;
    expect((await click(clickPayload({ action: "mute", mute: "4h", ref: gitlabRef }))).status).toBe(200);
    const replies = await waitForCall("chat.postMessage", before + 1);
    expect(replies.at(-1)?.text).toContain("muted *acme/docs* on main for 4 hours");
    const silences = await statusSilences();
    expect(silences.find((s) => s.match.stream === gitlabRef.stream)).toMatchObject({ by: "<@U0ALICE01>" });
  });

  it("I'm on it: the message updated in place, the episode on the board", async () => {
    expect((await click(clickPayload({ action: "ack" }))).status).toBe(200);
    const [update] = await waitForCall("chat.update");
    expect(update).toMatchObject({ channel: CHANNEL, ts: MESSAGE_TS });
    expect(JSON.stringify(update?.blocks)).toContain("🙋 <@U0ALICE01> is on it");
    const res = await vigie.request("/status", {
      headers: { authorization: `Bearer ${STATUS_TOKEN}`, accept: "application/json" },
    });
    const report = (await res.json()) as { actions: { acks: Array<{ episode: string; user: string }> } };
    expect(report.actions.acks).toContainEqual(
      expect.objectContaining({ episode: githubRef.episode, user: "U0ALICE01" }),
    );
  });

  it("Mute these sites, on a storm digest: one silence for the sites it names", async () => {
    const before = callsOf("chat.postMessage").length;
    expect((await click(stormClickPayload(["acme/theme-a", "acme/theme-b", "acme/theme-c"]))).status).toBe(
      200,
    );
    const replies = await waitForCall("chat.postMessage", before + 1);
    expect(replies.at(-1)?.text).toContain("muted these 3 sites for 1 hour");
    const silences = await statusSilences();
    expect(silences.find((s) => Array.isArray(s.match.sites))?.match.sites).toEqual([
      "acme/theme-a",
      "acme/theme-b",
      "acme/theme-c",
    ]);
  });
});

describe("npm run silence against the running local store", () => {
  it("adds, lists and removes a silence that the running vigie sees", async () => {
    const dir = ["--dir", join(vigie.dir, ".netlify", "blobs-serve")];
    const added = await runScript(
      "silence.ts",
      ["add", "site:acme/theme-*", "--for", "2h", "--reason", "theme rebuild", ...dir],
      {},
    );
    expect(added.code, added.stderr).toBe(0);
    const id = /silence ([0-9a-f]+):/.exec(added.stdout)?.[1] ?? "";
    expect((await statusSilences()).map((s) => s.id)).toContain(id);
    const listed = await runScript("silence.ts", ["list", "--url", vigie.url], {
      VIGIE_STATUS_TOKEN: STATUS_TOKEN,
    });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`${id}  active  site:acme/theme-*`);
    expect(listed.stdout).toContain("theme rebuild");
    const removed = await runScript("silence.ts", ["remove", id, "--url", vigie.url], {
      VIGIE_STATUS_TOKEN: STATUS_TOKEN,
    });
    expect(removed.code, removed.stderr).toBe(0);
    expect((await statusSilences()).map((s) => s.id)).not.toContain(id);
    const refused = await runScript("silence.ts", ["list", "--url", vigie.url], {
      VIGIE_STATUS_TOKEN: "wrong",
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("refused VIGIE_STATUS_TOKEN");
  });
});
