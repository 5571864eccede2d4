/**
 * `npm run silence -- add site:GLOB [branch:GLOB] [source:NAME] (--for 4h | --until-green) [--reason TEXT]`,
 * `npm run silence -- list`, `npm run silence -- remove ID`: silences (docs/architecture.md, "Silences").
 * Locally, in the store of `npm start` (.netlify/blobs-serve, or --dir); with `--url https://<vigie>`, on
 * a deployed vigie through `/status/silences` with VIGIE_STATUS_TOKEN.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { BlobsServer } from "@netlify/blobs/server";
import { parseVariable } from "../src/config/parse.ts";
import { localBackend, remoteBackend, runSilence } from "../src/silences/run-silence.ts";
import { parseSilenceArgs, SILENCE_USAGE } from "../src/silences/silence-args.ts";
import { BlobsStore } from "../src/store/blobs-store.ts";
import { loadDotEnv } from "./dotenv.ts";

loadDotEnv();
const args = parseSilenceArgs(process.argv.slice(2));
if (typeof args === "string") {
  console.error(`✗ ${args}\n${SILENCE_USAGE}`);
  process.exit(2);
}
const out = { log: (text: string) => console.log(text), error: (text: string) => console.error(text) };

try {
  if (args.url !== null) {
    const token = parseVariable(process.env, "VIGIE_STATUS_TOKEN").value;
    if (token === undefined) {
      console.error("✗ --url needs VIGIE_STATUS_TOKEN (the deployed vigie's status token)");
      process.exit(2);
    }
    process.exitCode = await runSilence(args.run, remoteBackend(args.url, token), out);
  } else {
    const directory = resolve(args.dir ?? ".netlify/blobs-serve");
    if (!existsSync(directory)) mkdirSync(directory, { recursive: true });
    const token = randomUUID();
    const server = new BlobsServer({ directory, token });
    const { port } = await server.start();
    try {
      // `netlify functions:serve` runs an unlinked site under this id (as scripts/outbox.ts opens it).
      const store = BlobsStore.open({ siteID: "unlinked", token, url: `http://127.0.0.1:${port}` });
      process.exitCode = await runSilence(args.run, localBackend(store, Date.now), out);
    } finally {
      await server.stop();
    }
  }
} catch (error) {
  console.error(`✗ ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
