/**
 * `npm run outbox`: what vigie has stored locally (the Blobs sandbox of `npm start`, in
 * .netlify/blobs-serve): the outbox with each message's state, attempts, next attempt and last error,
 * and how many events, open episodes, digest items and in-flight events there are.
 * `npm run outbox -- --all` also lists sent messages. In production, use the Netlify CLI on a linked
 * site instead: `netlify blobs:list vigie --prefix outbox/` and `netlify blobs:get vigie <key>`.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { BlobsServer } from "@netlify/blobs/server";
import { PREFIX } from "../src/pipeline/keys.ts";
import { parseOutboxEntry } from "../src/pipeline/records.ts";
import { BlobsStore } from "../src/store/blobs-store.ts";

const all = process.argv.includes("--all");
const dirIndex = process.argv.indexOf("--dir");
const directory = resolve(dirIndex > 0 ? (process.argv[dirIndex + 1] ?? "") : ".netlify/blobs-serve");
if (!existsSync(directory)) {
  console.error(`No local state in ${directory}: start vigie with \`npm start\` and send a delivery first.`);
  process.exit(1);
}

const token = randomUUID();
const server = new BlobsServer({ directory, token });
const { port } = await server.start();
// `netlify functions:serve` runs an unlinked site under this id.
const store = BlobsStore.open({ siteID: "unlinked", token, url: `http://127.0.0.1:${port}` });

try {
  const counts: Record<string, number> = {};
  for (const [name, prefix] of Object.entries(PREFIX)) counts[name] = (await store.list(prefix)).length;
  console.log(
    `events ${counts.events}  open episodes ${counts.open}  in flight ${counts.inflight}  digest items ${counts.digest}  outbox ${counts.outbox}`,
  );
  const rows = [];
  for (const key of await store.list(PREFIX.outbox)) {
    const e = parseOutboxEntry(await store.read(key));
    if (!e) continue;
    if (e.state === "sent" && !all) continue;
    rows.push({
      created: new Date(e.createdAt).toISOString(),
      kind: e.kind,
      to: e.destination ?? "default",
      state: e.state,
      attempts: e.attempts,
      next: e.state === "pending" ? new Date(e.nextAttemptAt).toISOString() : "",
      summary: e.summary.slice(0, 60),
      lastError: (e.lastError ?? "").slice(0, 80),
    });
  }
  if (rows.length === 0)
    console.log(all ? "The outbox is empty." : "Nothing waiting: every message was sent (--all lists them).");
  else console.table(rows);
} finally {
  await server.stop();
}
