/**
 * Dead messages resent, end to end through Netlify's local runtime: a message Slack refused (the webhook
 * was revoked) goes back to waiting with `npm run outbox -- resend`, against a deployed vigie (`--url`,
 * POST /status/outbox/resend) or the local state of `npm start` (`--dir`), and the sweep sends it once
 * more once the destination is fixed; never twice. `npm run explain` tells the story from the same state.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { failedRunPayload } from "../../samples/github.ts";
import { vigieTest } from "./fixture.ts";
import { postGithub, slackReply } from "./harness.ts";
import { runScript } from "./run-script.ts";
import { GITHUB_SECRET, messagesNaming, waitForDeliveredNaming } from "./support.ts";

const TOKEN = "it-status-token-resend-1a2b3c";
const it = vigieTest.override("env", { VIGIE_STATUS_TOKEN: TOKEN });

/** A failure whose message Slack refuses (the stand-in's next answer): answered 502, the message dead. */
const deadOnce = async (url: string, repo: string, runId: number) => {
  const answer = await postGithub(url, failedRunPayload({ repo, runId }), {
    secret: GITHUB_SECRET,
    delivery: randomUUID(),
  });
  expect(answer.json?.status, answer.text).toBe("failed");
};

describe("npm run outbox -- resend, end to end", () => {
  it("--url: the dead message goes back to waiting, the sweep sends it once, a second resend finds nothing", async ({
    vigie,
    slack,
  }) => {
    const repo = "acme/it-resend-remote";
    slack.enqueue(slackReply.channelNotFound());
    await deadOnce(vigie.url, repo, 7_500_000_001);
    expect(messagesNaming(slack, repo)).toHaveLength(1);
    const status = await vigie.request("/status", {
      headers: { accept: "application/json", authorization: `Bearer ${TOKEN}` },
    });
    expect(((await status.json()) as { outbox: { dead: number } }).outbox.dead).toBe(1);

    const resend = await runScript("outbox.ts", ["resend", "--dead", "--url", vigie.url], {
      VIGIE_STATUS_TOKEN: TOKEN,
    });
    expect(resend.stderr).toBe("");
    expect(resend.stdout).toMatch(/dead → waiting {2}failure to default: failure: acme\/it-resend-remote/);
    expect(resend.code).toBe(0);

    await vigie.sweep();
    await waitForDeliveredNaming(slack, repo, 1);
    const again = await runScript("outbox.ts", ["resend", "--url", vigie.url], { VIGIE_STATUS_TOKEN: TOKEN });
    expect(again.stdout).toContain("Nothing to resend");
    await vigie.sweep();
    expect(messagesNaming(slack, repo)).toHaveLength(2);
    expect(vigie.logs()).not.toContain(TOKEN);

    const explained = await runScript("explain.ts", [repo, "--url", vigie.url], {
      VIGIE_STATUS_TOKEN: TOKEN,
    });
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain(`${repo} (github, branch main`);
    expect(explained.stdout).toMatch(/ sent +failure to default, 2 attempts/);
  });

  it("--dir: the same against the local state of npm start", async ({ vigie, slack }) => {
    const repo = "acme/it-resend-local";
    slack.enqueue(slackReply.channelNotFound());
    await deadOnce(vigie.url, repo, 7_500_000_002);
    const resend = await runScript(
      "outbox.ts",
      ["resend", "--dir", join(vigie.dir, ".netlify/blobs-serve")],
      {},
    );
    expect(resend.stdout).toContain("1 message back to waiting in the local outbox");
    await vigie.sweep();
    await waitForDeliveredNaming(slack, repo, 1);
    expect(messagesNaming(slack, repo)).toHaveLength(2);
  });
});
