/**
 * `npm run doctor [-- --url BASE]`: checks the configuration, the webhooks on GitHub, Netlify and GitLab,
 * and a deployed vigie's status route (src/doctor/run-doctor.ts). Exit 1 when anything is ✗.
 */
import { runDoctor } from "../src/doctor/run-doctor.ts";
import { loadDotEnv } from "./dotenv.ts";

loadDotEnv();
process.exitCode = await runDoctor(process.argv.slice(2), process.env, {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
