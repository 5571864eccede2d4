/**
 * Silences and AUTO_RERUN honoured by the pipeline, end to end through Netlify's local runtime: a silence
 * added with `npm run silence` against the running local store keeps a failure from Slack; a failure that
 * matches AUTO_RERUN is re-run through a stand-in for GitHub's API (GITHUB_API_URL) before anyone is told.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failedRunPayload, runPayload } from "../../samples/github.ts";
import { rerunStandIn, type StandIn } from "./api-stand-ins.ts";
import { postGithub, type SlackStandIn, startSlackStandIn, startVigie, type Vigie } from "./harness.ts";
import { runScript } from "./run-script.ts";
import { GITHUB_SECRET, settledNaming, sleep, testEnv, waitForDeliveredNaming } from "./support.ts";

const REFUSED_REPO = "acme/it-auto-refused";

let vigie: Vigie;
let slack: SlackStandIn;
let providers: StandIn;

beforeAll(async () => {
  [slack, providers] = await Promise.all([
    startSlackStandIn(),
    // A token without "Actions: write" for one repository: GitHub answers 403.
    rerunStandIn((path) => (path.includes(`/${REFUSED_REPO}/`) ? 403 : 201)),
  ]);
  vigie = await startVigie({
    env: testEnv(slack, {
      AUTO_RERUN: "site:acme/it-auto-*",
      GITHUB_TOKEN: "ghp_itAutoRerunToken0000",
      GITHUB_API_URL: providers.url,
    }),
  });
}, 120_000);

afterAll(async () => {
  await vigie?.dispose();
  await Promise.all([slack?.close(), providers?.close()]);
});

const post = (payload: object) => postGithub(vigie.url, payload, { secret: GITHUB_SECRET });

describe("the pipeline with silences and automatic re-runs, through the local runtime", () => {
  it("a site silenced with npm run silence gets no message; another site does", async () => {
    const dir = ["--dir", join(vigie.dir, ".netlify", "blobs-serve")];
    const added = await runScript("silence.ts", ["add", "site:acme/it-quiet", "--for", "2h", ...dir], {});
    expect(added.code, added.stderr).toBe(0);
    const quiet = await post(failedRunPayload({ repo: "acme/it-quiet", runId: 8_100_000_001 }));
    expect(quiet.json?.reason).toContain("silenced");
    await post(failedRunPayload({ repo: "acme/it-loud", runId: 8_100_000_002 }));
    await waitForDeliveredNaming(slack, "acme/it-loud", 1);
    expect(await settledNaming(slack, "acme/it-quiet", 500)).toEqual([]);
  });

  it("AUTO_RERUN: the failure is re-run before anyone is told, and its passing attempt posts nothing", async () => {
    const repo = "acme/it-auto-upload";
    const runId = 8_100_000_010;
    const failed = await post(failedRunPayload({ repo, runId, sha: "c".repeat(40) }));
    expect(failed.json?.reason).toContain("re-run automatically");
    for (let i = 0; i < 100 && !providers.requests.some((r) => r.method === "POST"); i++) await sleep(50);
    const posts = providers.requests.filter((r) => r.method === "POST");
    expect(posts.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /repos/${repo}/actions/runs/${runId}/rerun-failed-jobs`,
    ]);
    const passed = await post(
      runPayload({ repo, runId, attempt: 2, conclusion: "success", sha: "c".repeat(40) }),
    );
    expect(passed.json?.reason).toContain("passed on its automatic re-run");
    expect(await settledNaming(slack, repo, 500)).toEqual([]);
  });

  it("AUTO_RERUN refused by the provider (403): the failure is announced at once, as an ordinary failure", async () => {
    const runId = 8_100_000_020;
    const rerunPath = `/repos/${REFUSED_REPO}/actions/runs/${runId}/rerun-failed-jobs`;
    const failed = await post(failedRunPayload({ repo: REFUSED_REPO, runId, sha: "d".repeat(40) }));
    expect(failed.status).toBeLessThan(300);
    // Announced by the invocation that asked for the re-run, right after its answer: no sweep, no wait.
    const [message] = await waitForDeliveredNaming(slack, REFUSED_REPO, 1);
    expect(providers.requests.filter((r) => r.method === "POST").map((r) => r.path)).toContain(rerunPath);
    expect(message?.raw).not.toContain("automatic re-run");
    await vigie.waitForLog(
      (line) =>
        line.msg === "auto re-run" && line.outcome === "refused" && String(line.key).includes(REFUSED_REPO),
    );
    // Only one re-run asked, and one message: a redelivery of the same failure is a duplicate.
    await post(failedRunPayload({ repo: REFUSED_REPO, runId, sha: "d".repeat(40) }));
    expect(await settledNaming(slack, REFUSED_REPO, 1_000)).toHaveLength(1);
    expect(providers.requests.filter((r) => r.path === rerunPath)).toHaveLength(1);
    expect(vigie.logs()).not.toContain("ghp_itAutoRerunToken0000");
  });
});
