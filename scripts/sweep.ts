/**
 * `npm run sweep [-- --json]`: runs the sweep once, now, against the local state of `npm start` (the Blobs
 * sandbox in .netlify/blobs-serve, reached as `npm run outbox` reaches it), and prints its report: one
 * readable line on stdout (`--json`: the report as JSON), vigie's log lines on stderr, each on its own line.
 * Locally, `POST /.netlify/functions/sweep` answers the CLI's note about scheduled functions instead of the
 * report. Messages go to their destinations as the running functions' would (a dry run without a URL).
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BlobsServer } from "@netlify/blobs/server";
import { loadConfig, sendingBlocker } from "../src/config.ts";
import { createDestinationRouter } from "../src/destinations/router.ts";
import { createLogger } from "../src/log.ts";
import { sweep } from "../src/pipeline/sweep.ts";
import { createRedeliverer } from "../src/redelivery/redeliverer.ts";
import { SLACK_INTERVAL_MS } from "../src/runtime.ts";
import { SLACK_TIMEOUT_MS } from "../src/slack/send.ts";
import { BlobsStore } from "../src/store/blobs-store.ts";
import { loadDotEnv, ROOT } from "./dotenv.ts";

loadDotEnv();
const dirIndex = process.argv.indexOf("--dir");
const directory = dirIndex > 0 ? (process.argv[dirIndex + 1] ?? "") : join(ROOT, ".netlify/blobs-serve");
if (!existsSync(directory)) {
  console.error(`No local state in ${directory}: start vigie with \`npm start\` and send a delivery first.`);
  process.exit(1);
}

const log = createLogger((line) => process.stderr.write(`${line}\n`));
const config = loadConfig(process.env, log);
const blocker = sendingBlocker(config);
if (blocker) {
  console.error(`vigie: ${blocker.message}: the sweep sends nothing until it is fixed.`);
  process.exit(1);
}

const token = randomUUID();
const server = new BlobsServer({ directory, token });
const { port } = await server.start();
try {
  // `netlify functions:serve` runs an unlinked site under this id; its local server needs verified writes.
  const store = BlobsStore.open(
    { siteID: "unlinked", token, url: `http://127.0.0.1:${port}` },
    { verifyConditionalWrites: true },
  );
  const deps = {
    config,
    store,
    // Every destination, as the functions' (not only SLACK_WEBHOOK_URL).
    slack: createDestinationRouter(config.routing, { timeoutMs: SLACK_TIMEOUT_MS, log }),
    log,
    now: Date.now,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    slackIntervalMs: SLACK_INTERVAL_MS,
    slackTimeoutMs: SLACK_TIMEOUT_MS,
  };
  const report = await sweep(
    deps,
    config.githubRedelivery ? { redeliver: createRedeliverer(config.githubRedelivery, { log }) } : {},
  );
  if (process.argv.includes("--json")) console.log(JSON.stringify({ status: "swept", ...report }));
  else if (report.skipped !== undefined) console.log(`Sweep skipped: ${report.skipped}.`);
  else
    console.log(
      `Swept: ${report.sent} sent, ${report.retrying} retrying, ${report.dead} dead, ${report.digests} digests, ${report.reminders} reminders, ${report.recovered} recovered, ${report.pruned} pruned.`,
    );
} finally {
  await server.stop();
}
