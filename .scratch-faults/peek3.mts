import { startVigie, startSlackStandIn, postGithub } from "/work/main/test/integration/harness.ts";
import { failedRunPayload } from "/work/main/test/fixtures/github.ts";
import { execSync } from "node:child_process";
const slack = await startSlackStandIn();
const v = await startVigie({ env: { GITHUB_WEBHOOK_SECRET: "s", SLACK_WEBHOOK_URL: slack.url, REMINDER_HOURS: "0" } });
const a = await postGithub(v.url, failedRunPayload({ repo: "x/y" }), { secret: "s" });
console.log(execSync(`npx tsx .scratch-faults/peek2.mts ${v.dir}/.netlify/blobs-serve 2>&1`).toString());
await v.dispose(); await slack.close();
