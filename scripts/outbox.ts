/**
 * `npm run outbox`: what the local state of `npm start` holds (the outbox with each message's state,
 * attempts, next attempt and last error, and how many events, open episodes, digest items and in-flight
 * events there are); `npm run outbox -- resend [--dead] [--destination NAME] [--since 1h] [--url BASE]`
 * puts dead messages back to waiting, locally or on a deployed vigie (scripts/outbox-command.ts).
 */
import { resolve } from "node:path";
import { loadDotEnv } from "./dotenv.ts";
import { LOCAL_STATE, openLocalStore } from "./local-store.ts";
import { runOutbox } from "./outbox-command.ts";

loadDotEnv();
const dirIndex = process.argv.indexOf("--dir");
const directory = dirIndex > 0 ? resolve(process.argv[dirIndex + 1] ?? "") : LOCAL_STATE;
const args = process.argv.slice(2).filter((_, i, all) => all[i] !== "--dir" && all[i - 1] !== "--dir");
process.exitCode = await runOutbox(
  args,
  process.env,
  { out: (line) => console.log(line), err: (line) => console.error(line) },
  { openStore: () => openLocalStore(directory) },
);
