/**
 * Proves the integration harness itself: the local runtime starts, requests reach a function, Blobs state
 * survives a restart, the store can be broken and repaired, the scheduled sweep can be run, the Slack
 * stand-in records and answers as told. The first part uses a throwaway probe project (so it does not depend
 * on vigie's code); the last part runs vigie's real GitHub function end to end.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failedRunPayload } from "../../samples/github.ts";
import {
  postGithub,
  REPO_ROOT,
  type SlackStandIn,
  slackReply,
  startSlackStandIn,
  startVigie,
  type Vigie,
} from "./harness.ts";

const PROBE = `
import { getStore } from "@netlify/blobs";

export default async (req) => {
  const store = getStore({ name: "probe", consistency: "strong" });
  try {
    const count = ((await store.get("count", { type: "json" })) ?? 0) + 1;
    await store.setJSON("count", count);
    console.log(JSON.stringify({ level: "info", msg: "probe called", count }));
    let slack = null;
    if (new URL(req.url).searchParams.has("slack")) {
      const answer = await fetch(process.env.SLACK_WEBHOOK_URL, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "probe " + count }),
      });
      slack = answer.status;
    }
    return Response.json({ count, slack, value: process.env.PROBE_VALUE ?? null });
  } catch (error) {
    console.log(JSON.stringify({ level: "error", msg: "store failed", errorName: error.name }));
    return Response.json({ status: "error", errorName: error.name }, { status: 503 });
  }
};

export const config = { path: "/probe" };
`;

const SWEEP = `
export default async (req) => {
  console.log(JSON.stringify({ level: "info", msg: "probe sweep", body: await req.text() }));
  return new Response(null, { status: 204 });
};

export const config = { schedule: "* * * * *" };
`;

/** A throwaway project: one HTTP function, one scheduled function, the repository's node_modules. */
const probeProject = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "vigie-probe-"));
  await mkdir(join(dir, "netlify", "functions"), { recursive: true });
  await writeFile(join(dir, "netlify", "functions", "probe.mjs"), PROBE);
  await writeFile(join(dir, "netlify", "functions", "sweep.mjs"), SWEEP);
  await symlink(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
};

describe("integration harness (probe project)", () => {
  let dir: string;
  let slack: SlackStandIn;
  let vigie: Vigie;

  beforeAll(async () => {
    dir = await probeProject();
    slack = await startSlackStandIn();
    // NODE_ENV=test: @netlify/blobs then retries a failing store after 1 ms instead of 5 s.
    vigie = await startVigie({
      cwd: dir,
      env: { PROBE_VALUE: "from-env", SLACK_WEBHOOK_URL: slack.url, NODE_ENV: "test" },
    });
  });

  afterAll(async () => {
    await vigie?.stop();
    await slack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("reaches the function with the given environment, and captures its log lines", async () => {
    const answer = await vigie.request("/probe");
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ count: 1, slack: null, value: "from-env" });
    await vigie.waitForLog((line) => line.msg === "probe called" && line.count === 1);
  });

  it("lets the function post to the Slack stand-in", async () => {
    const answer = await vigie.request("/probe?slack");
    expect(await answer.json()).toMatchObject({ slack: 200 });
    const [message] = await slack.waitForMessages(1);
    expect(message?.body).toEqual({ text: "probe 2" });
    expect(message?.path).toBe(new URL(slack.url).pathname);
  });

  it("keeps Blobs state across a restart, on the same port", async () => {
    const port = vigie.port;
    await vigie.restart();
    expect(vigie.port).toBe(port);
    expect(await (await vigie.request("/probe")).json()).toMatchObject({ count: 3 });
  });

  it("breaks and repairs the store of a running instance", async () => {
    await vigie.breakStore();
    const broken = await vigie.request("/probe");
    expect(broken.status).toBe(503);
    expect(await broken.json()).toEqual({ status: "error", errorName: "BlobsInternalError" });
    await vigie.repairStore();
    expect(await (await vigie.request("/probe")).json()).toMatchObject({ count: 4 });
  });

  it("runs the scheduled function on demand", async () => {
    const answer = await vigie.sweep();
    expect(answer.status).toBe(200);
    await vigie.waitForLog((line) => line.msg === "probe sweep" && String(line.body).includes("next_run"));
  });
});

describe("Slack stand-in", () => {
  let slack: SlackStandIn;
  const send = (text: string) =>
    fetch(slack.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text }),
    });

  // The rate window reads this clock, not the machine's: a loaded machine cannot stretch it.
  let clock = 1_000_000;
  beforeAll(async () => {
    slack = await startSlackStandIn({ now: () => clock });
  });
  afterAll(async () => {
    await slack?.close();
  });

  it("answers queued replies in order, then ok", async () => {
    slack.reset();
    slack.enqueue(slackReply.serverError(), slackReply.rateLimited(7), slackReply.channelNotFound());
    const answers = [];
    for (const text of ["a", "b", "c", "d"]) {
      const answer = await send(text);
      answers.push([answer.status, answer.headers.get("retry-after"), await answer.text()]);
    }
    expect(answers).toEqual([
      [500, null, "internal_error"],
      [429, "7", "rate_limited"],
      [404, null, "channel_not_found"],
      [200, null, "ok"],
    ]);
    expect(slack.messages.map((message) => message.body?.text)).toEqual(["a", "b", "c", "d"]);
    expect(slack.delivered().map((message) => message.body?.text)).toEqual(["d"]);
  });

  it("rate-limits like Slack in strict mode", async () => {
    slack.reset();
    slack.setStrictRate(true);
    const statuses = [];
    for (const text of ["1", "2", "3"]) statuses.push((await send(text)).status);
    expect(statuses).toEqual([200, 429, 429]);
    clock += 999;
    expect((await send("4")).status).toBe(429);
    clock += 1;
    expect((await send("5")).status).toBe(200);
    slack.setStrictRate(false);
  });

  it("hangs for a while, or until the client gives up", async () => {
    slack.reset();
    slack.enqueue(slackReply.hang(300), slackReply.hangForever());
    const started = Date.now();
    expect((await send("slow")).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await expect(
      fetch(slack.url, { method: "POST", body: "{}", signal: AbortSignal.timeout(200) }),
    ).rejects.toThrow();
    expect(slack.messages.map((message) => message.status)).toEqual([200, null]);
  });
});

describe("integration harness (vigie's GitHub function)", () => {
  const secret = "harness-github-secret";
  let slack: SlackStandIn;
  let vigie: Vigie;

  beforeAll(async () => {
    slack = await startSlackStandIn();
    vigie = await startVigie({
      env: {
        GITHUB_WEBHOOK_SECRET: secret,
        NETLIFY_WEBHOOK_SECRET: "harness-netlify-secret",
        SLACK_WEBHOOK_URL: slack.url,
      },
    });
  });

  afterAll(async () => {
    await vigie?.dispose();
    await slack?.close();
  });

  it("answers a signed ping", async () => {
    const answer = await postGithub(
      vigie.url,
      { zen: "Keep it logically awesome.", hook_id: 1 },
      { secret, event: "ping" },
    );
    expect(answer.status).toBe(200);
  });

  it("notifies a failure once, and knows it after a restart", async () => {
    const payload = failedRunPayload({ repo: "acme/harness-site" });
    const delivery = "harness-delivery-1";
    const first = await postGithub(vigie.url, payload, { secret, delivery });
    expect(first.status, first.text).toBe(200);
    await slack.waitForDelivered(1);

    await vigie.restart();
    const again = await postGithub(vigie.url, payload, { secret, delivery });
    expect(again.status, again.text).toBe(200);
    expect(again.json?.status).toBe("duplicate");
    expect(slack.messages).toHaveLength(1);
  });

  it("keeps secrets and the Slack URL out of the logs", () => {
    expect(vigie.logLines().length).toBeGreaterThan(0);
    expect(vigie.logs()).not.toContain(secret);
    expect(vigie.logs()).not.toContain(new URL(slack.url).pathname);
  });
});
