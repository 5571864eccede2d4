import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BlobsServer } from "@netlify/blobs/server";
import { BlobsStore } from "../src/store/blobs-store.ts";
import type { Store } from "../src/store/store.ts";
import { ROOT } from "./dotenv.ts";

/** Where `npm start` keeps its state (`netlify functions:serve` serves a Blobs sandbox there). */
export const LOCAL_STATE = join(ROOT, ".netlify/blobs-serve");

/**
 * The local state of `npm start`, opened as the functions see it (an unlinked site's store), for the
 * scripts that read or change it (`outbox`, `explain`); null when there is none yet. `stop` when done.
 */
export const openLocalStore = async (
  directory: string = LOCAL_STATE,
): Promise<{ store: Store; stop: () => Promise<void> } | null> => {
  if (!existsSync(directory)) return null;
  const token = randomUUID();
  const server = new BlobsServer({ directory, token });
  const { port } = await server.start();
  // The local server needs its conditional writes verified (src/store/blobs-store.ts).
  const store = BlobsStore.open(
    { siteID: "unlinked", token, url: `http://127.0.0.1:${port}` },
    { verifyConditionalWrites: true },
  );
  return { store, stop: () => server.stop() };
};

export const NO_LOCAL_STATE = (directory: string) =>
  `No local state in ${directory}: start vigie with \`npm start\` and send a delivery first (or pass --url BASE for a deployed vigie).`;
