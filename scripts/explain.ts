/**
 * `npm run explain -- SITE [--url BASE]`: why a site got (or did not get) a message, from the stored
 * state: its streams' episodes, their last runs with the decision for each, and where their route sends
 * them (src/explain/). Locally the state of `npm start` with this configuration; with --url, a deployed
 * vigie's (GET /status/explain, VIGIE_STATUS_TOKEN). Exit: 0 shown, 1 a problem, 2 usage error.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config.ts";
import { renderExplanation } from "../src/explain/decisions.ts";
import { explainSite } from "../src/explain/explain-site.ts";
import { type Explanation, explanationSchema } from "../src/explain/explanation.ts";
import { loadDotEnv } from "./dotenv.ts";
import { LOCAL_STATE, NO_LOCAL_STATE, openLocalStore } from "./local-store.ts";
import { callVigie, RemoteError } from "./remote.ts";

const USAGE = "Usage: npm run explain -- SITE [--url BASE] [--json]";

const main = async (): Promise<number> => {
  let site: string | undefined;
  let values: { url?: string; json?: boolean; dir?: string };
  try {
    const parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: { url: { type: "string" }, json: { type: "boolean" }, dir: { type: "string" } },
    });
    values = parsed.values;
    [site] = parsed.positionals;
    if (site === undefined || parsed.positionals.length > 1) throw new Error("give one SITE");
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  loadDotEnv();
  let explanation: Explanation;
  if (values.url !== undefined) {
    try {
      const body = await callVigie(
        process.env,
        values.url,
        `/status/explain?site=${encodeURIComponent(site)}`,
      );
      const parsed = explanationSchema.safeParse(body);
      if (!parsed.success)
        throw new RemoteError("the deployed vigie answered something else than an explanation: upgrade it");
      explanation = parsed.data;
    } catch (error) {
      if (!(error instanceof RemoteError)) throw error;
      console.error(`vigie: ${error.message}`);
      return 1;
    }
  } else {
    const directory = values.dir ?? LOCAL_STATE;
    const opened = await openLocalStore(directory);
    if (opened === null) {
      console.error(NO_LOCAL_STATE(directory));
      return 1;
    }
    try {
      explanation = await explainSite(opened.store, loadConfig(process.env), site);
    } finally {
      await opened.stop();
    }
  }
  console.log(values.json ? JSON.stringify(explanation, null, 2) : renderExplanation(explanation).join("\n"));
  return 0;
};

process.exitCode = await main();
