/**
 * `npm run setup -- github|netlify|gitlab …`: registers vigie's webhooks on GitHub, on every Netlify
 * site, or on GitLab (src/setup/run-setup.ts). Reads tokens and secrets from the environment and `.env`.
 */
import { runSetup } from "../src/setup/run-setup.ts";
import { loadDotEnv } from "./dotenv.ts";

loadDotEnv();
process.exitCode = await runSetup(process.argv.slice(2), process.env, {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
