/**
 * `npm run sweep` (issue 13: `POST /.netlify/functions/sweep` answers the CLI's own text locally, never
 * the sweep's report): the real script against a local Blobs directory and a Slack stand-in.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobsServer } from "@netlify/blobs/server";
import { afterEach, describe, expect, it } from "vitest";
import { keys } from "../../src/pipeline/keys.ts";
import { newEntry } from "../../src/pipeline/outbox.ts";
import { BlobsStore } from "../../src/store/blobs-store.ts";
import { startSlackStandIn } from "./harness.ts";
import { runScript } from "./run-script.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe("npm run sweep", () => {
  it("sends what is due from the local store and prints the sweep's report", async () => {
    const directory = await mkdtemp(join(tmpdir(), "vigie-sweep-"));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    const token = randomUUID();
    const server = new BlobsServer({ directory, token });
    const { port } = await server.start();
    const store = BlobsStore.open({ siteID: "unlinked", token, url: `http://127.0.0.1:${port}` });
    const entry = newEntry(
      {
        id: "m1",
        kind: "failure",
        summary: "acme/site failed",
        message: { text: "acme/site failed", blocks: [], unfurl_links: false, unfurl_media: false },
        cause: null,
        after: null,
      },
      Date.now() - 60_000,
    );
    await store.set(keys.outbox(entry.createdAt, entry.id), entry);
    await server.stop();

    const slack = await startSlackStandIn();
    cleanups.push(() => slack.close());
    const result = await runScript("sweep.ts", ["--dir", directory], { SLACK_WEBHOOK_URL: slack.url });
    expect(result.code).toBe(0);
    // The report alone on stdout, one readable line; each log line on its own line of stderr.
    expect(result.stdout).toMatch(
      /^Swept: 1 sent, 0 retrying, 0 dead, 0 digests, 0 reminders, 0 recovered, \d+ pruned\.\n$/,
    );
    const logLines = result.stderr.trimEnd().split("\n");
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(() => JSON.parse(line)).not.toThrow();
    expect(slack.delivered()).toHaveLength(1);
    const again = await runScript("sweep.ts", ["--dir", directory, "--json"], {
      SLACK_WEBHOOK_URL: slack.url,
    });
    expect(JSON.parse(again.stdout)).toMatchObject({ status: "swept", sent: 0, dead: 0 });
  });

  it("refuses to send with an invalid Slack URL (exit 1), naming the variable only", async () => {
    const directory = await mkdtemp(join(tmpdir(), "vigie-sweep-"));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    const result = await runScript("sweep.ts", ["--dir", directory], {
      SLACK_WEBHOOK_URL: "not-a-url-secret",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("SLACK_WEBHOOK_URL");
    expect(result.stderr).not.toContain("not-a-url-secret");
  });
});
