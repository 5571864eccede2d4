/**
 * The controls of a posted Slack app message, end to end through Netlify's local runtime: a GitHub failure
 * routed to a channel (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET) is posted to a stand-in for Slack's Web API
 * (SLACK_API_URL) with Re-run, Mute and "I'm on it"; then clicks are sent to `POST /slack/interactions` as
 * Slack sends them, built from THAT posted message (its ts, channel, blocks and button values), never from
 * hand-made ids: Re-run asks the stand-in for GitHub's API (GITHUB_API_URL) about the posted run, "I'm on
 * it" updates the message in place, Mute silences the stream's next failure.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failedRunPayload, runPayload } from "../../samples/github.ts";
import { ACTION, CONTROLS_BLOCK_ID } from "../../src/slack/controls.ts";
import { formBody, SIGNING_SECRET, signedHeaders } from "../fixtures/slack-interactions.ts";
import { startWebApiStandIn, type WebApiCall, type WebApiStandIn } from "../fixtures/slack-web-api.ts";
import { rerunStandIn, type StandIn } from "./api-stand-ins.ts";
import { postGithub, startVigie, type Vigie } from "./harness.ts";
import { GITHUB_SECRET, sleep, testEnv } from "./support.ts";

const BOT_TOKEN = "xoxb-it-controls-bot-0000";
const GITHUB_TOKEN = "ghp_itControlsTokenNeverShown00";
const STATUS_TOKEN = "it-controls-status-token-9a8b";
const CHANNEL = "C0CONTROLS1";
const REPO = "ctl-org/site-controls";
const RUN_ID = 8_200_000_001;
const USER = "U0ALICE01";

let vigie: Vigie;
let api: WebApiStandIn;
let providers: StandIn;

beforeAll(async () => {
  [api, providers] = await Promise.all([startWebApiStandIn(), rerunStandIn()]);
  vigie = await startVigie({
    env: testEnv(null, {
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: api.url,
      ROUTES: `site:ctl-org/* -> #${CHANNEL}`,
      GITHUB_TOKEN,
      GITHUB_API_URL: providers.url,
      VIGIE_STATUS_TOKEN: STATUS_TOKEN,
    }),
  });
}, 120_000);

afterAll(async () => {
  await vigie?.dispose();
  await Promise.all([api?.close(), providers?.close()]);
});

interface Element {
  readonly type: string;
  readonly action_id: string;
  readonly value?: string;
  readonly options?: ReadonlyArray<{ readonly text: unknown; readonly value: string }>;
}
interface Block {
  readonly type: string;
  readonly block_id?: string;
  readonly elements?: readonly Element[];
}

const controlsOf = (posted: WebApiCall): Block | undefined =>
  (posted.blocks as Block[]).find(
    (block) => block.type === "actions" && block.block_id === CONTROLS_BLOCK_ID,
  );

let clicks = 0;

/**
 * A click on `actionId` in the posted message, as Slack sends it: the message's own ts, channel and blocks,
 * the element's own value (a button) or one of its own options (the select).
 */
const clickOn = (posted: WebApiCall, actionId: string, option?: string) => {
  const controls = controlsOf(posted);
  const element = controls?.elements?.find((e) => e.action_id === actionId);
  if (!controls || !element || posted.postedTs === null)
    throw new Error(`no ${actionId} in the posted message`);
  const action: Record<string, unknown> = {
    action_id: element.action_id,
    block_id: controls.block_id,
    type: element.type,
    action_ts: `${Math.floor(Date.now() / 1000)}.${String(++clicks).padStart(6, "0")}`,
  };
  if (element.type === "button") action.value = element.value;
  else {
    const selected = element.options?.find((o) => o.value === option);
    if (!selected) throw new Error(`no option ${option} in ${actionId}`);
    action.selected_option = selected;
  }
  const payload = {
    type: "block_actions",
    user: { id: USER, username: "alice", team_id: "T0VIGIE00" },
    api_app_id: "A0VIGIE00",
    container: {
      type: "message",
      message_ts: posted.postedTs,
      channel_id: posted.channel,
      is_ephemeral: false,
    },
    channel: { id: posted.channel, name: "sites" },
    message: { type: "message", ts: posted.postedTs, text: posted.text, blocks: posted.blocks },
    response_url: "https://hooks.slack.com/actions/T0VIGIE00/1/abc",
    actions: [action],
  };
  const body = formBody(payload);
  return vigie.request("/slack/interactions", {
    method: "POST",
    headers: signedHeaders(body, Date.now()),
    body,
  });
};

const callsOf = (method: string) => api.accepted().filter((call) => call.method === method);
const waitFor = async (method: string, count: number) => {
  for (let i = 0; i < 300 && callsOf(method).length < count; i++) await sleep(50);
  return callsOf(method);
};
const post = (payload: object) => postGithub(vigie.url, payload, { secret: GITHUB_SECRET });

describe("the controls of a posted Slack app message, through the local runtime", () => {
  it("Re-run, I'm on it and Mute, clicked on the message vigie posted, act on its run, message and stream", async () => {
    const sha = "d".repeat(40);
    const failed = await post(failedRunPayload({ repo: REPO, runId: RUN_ID, sha }));
    expect(failed.status).toBeLessThan(300);
    const [posted] = await api.waitForAccepted(1, 30_000);
    if (!posted) throw new Error("nothing posted");
    expect(posted).toMatchObject({ method: "chat.postMessage", channel: CHANNEL, threadTs: null });
    expect(posted.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(posted.text).toContain(REPO);
    expect(controlsOf(posted)?.elements?.map((e) => e.action_id)).toEqual([
      ACTION.rerun,
      ACTION.mute,
      ACTION.ack,
    ]);

    // Re-run: GitHub is asked to re-run the failed jobs of the run the message is about.
    expect((await clickOn(posted, ACTION.rerun)).status).toBe(200);
    const posts = () => providers.requests.filter((r) => r.method === "POST");
    for (let i = 0; i < 200 && posts().length === 0; i++) await sleep(50);
    expect(posts().map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /repos/${REPO}/actions/runs/${RUN_ID}/rerun-failed-jobs`,
    ]);
    const [rerunReply] = await waitFor("chat.postMessage", 2).then((calls) => calls.slice(1));
    expect(rerunReply).toMatchObject({ channel: CHANNEL, threadTs: posted.postedTs });
    expect(rerunReply?.text).toContain(`<@${USER}> asked for a re-run`);

    // I'm on it: the very message is updated in place, and the board names who is on its episode.
    expect((await clickOn(posted, ACTION.ack)).status).toBe(200);
    const [update] = await waitFor("chat.update", 1);
    expect(update).toMatchObject({ channel: CHANNEL, ts: posted.postedTs });
    expect(JSON.stringify(update?.blocks)).toContain(`🙋 <@${USER}> is on it`);
    expect(JSON.stringify(update?.blocks)).toContain(REPO);
    const board = await vigie.request("/status", {
      headers: { authorization: `Bearer ${STATUS_TOKEN}`, accept: "application/json" },
    });
    const report = (await board.json()) as {
      actions: { acks: Array<{ episode: string; user: string; site?: string }> };
    };
    expect(report.actions.acks).toEqual([expect.objectContaining({ user: USER })]);

    // Mute for an hour: the stream's next failure, after it passed in between, posts nothing.
    const before = callsOf("chat.postMessage").length;
    expect((await clickOn(posted, ACTION.mute, "1h")).status).toBe(200);
    const replies = await waitFor("chat.postMessage", before + 1);
    expect(replies.at(-1)).toMatchObject({ channel: CHANNEL, threadTs: posted.postedTs });
    expect(replies.at(-1)?.text).toContain(`muted *${REPO}* on main for 1 hour`);
    const silences = await vigie.request("/status/silences", {
      headers: { authorization: `Bearer ${STATUS_TOKEN}` },
    });
    const listed = ((await silences.json()) as { silences: Array<{ match: { stream: string | null } }> })
      .silences;
    expect(listed).toHaveLength(1);
    expect(listed[0]?.match.stream).toContain(REPO);

    await post(
      runPayload({
        repo: REPO,
        runId: RUN_ID + 1,
        sha: "e".repeat(40),
        conclusion: "success",
        updatedAt: "2024-05-01T12:10:00Z",
      }),
    );
    const again = await post(
      failedRunPayload({
        repo: REPO,
        runId: RUN_ID + 2,
        sha: "f".repeat(40),
        updatedAt: "2024-05-01T12:20:00Z",
      }),
    );
    expect(again.json?.reason).toContain("silenced");
    const settled = api.accepted().length;
    await sleep(1_000);
    const newPosts = api
      .accepted()
      .slice(settled)
      .filter((call) => call.method === "chat.postMessage" && call.threadTs === null);
    expect(newPosts).toEqual([]);
    expect(vigie.logs()).not.toContain(BOT_TOKEN);
    expect(vigie.logs()).not.toContain(GITHUB_TOKEN);
    expect(vigie.logs()).not.toContain(SIGNING_SECRET);
  });
});
