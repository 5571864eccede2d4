/**
 * Configuration edges end to end: no SLACK_WEBHOOK_URL (dry run: the message goes to the log), and no
 * GITHUB_WEBHOOK_SECRET (the GitHub route fails closed, the Netlify route keeps working). Two instances,
 * booted side by side.
 */
import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { failedRunPayload } from "../../samples/github.ts";
import { failedDeploy } from "../../samples/netlify.ts";
import { vigieTest, vigieWith } from "./fixture.ts";
import { postGithub, postNetlify } from "./harness.ts";
import {
  deliveryLines,
  GITHUB_SECRET,
  messagesNaming,
  NETLIFY_SECRET,
  processedLines,
  settledNaming,
  testEnv,
} from "./support.ts";

const STATUS_TOKEN = "it-status-token-dry-run";

const it = vigieTest
  /** No SLACK_WEBHOOK_URL: dry run. */
  .extend(
    "dryRun",
    { scope: "file" },
    vigieWith(() => testEnv(null, { VIGIE_STATUS_TOKEN: STATUS_TOKEN })),
  )
  /** No GITHUB_WEBHOOK_SECRET; Slack is the stand-in. */
  .extend(
    "noGithubSecret",
    { scope: "file" },
    vigieWith((slack) => testEnv(slack, { GITHUB_WEBHOOK_SECRET: undefined })),
  );

describe("configuration edges, end to end", () => {
  describe("without SLACK_WEBHOOK_URL (dry run)", () => {
    it("answers a failure 200 notified, says dry run, and prints the message to the log", async ({
      slack,
      dryRun,
    }) => {
      const repo = "acme/it-dry-run";
      const delivery = randomUUID();
      const answer = await postGithub(dryRun.url, failedRunPayload({ repo, runId: 7_300_000_001 }), {
        secret: GITHUB_SECRET,
        delivery,
      });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json?.status).toBe("notified");
      expect(String(answer.json?.reason)).toMatch(/dry run/i);

      await dryRun.waitForLog((line) => typeof line.text === "string" && line.text.includes(repo));
      const printed = dryRun
        .logLines()
        .filter((line) => typeof line.text === "string" && line.text.includes(repo));
      expect(printed).toHaveLength(1);
      expect(String(printed[0]?.msg)).toMatch(/dry run/i);
      expect(printed[0]?.destination).toBe("default");
      // Block Kit JSON only behind a flag (npm start -- --blocks); a person reads a short block instead.
      expect(printed[0]).not.toHaveProperty("blocks");
      await dryRun.waitForLog(/┌ dry run → default \(not sent: SLACK_WEBHOOK_URL is unset\)\n│ .*it-dry-run/);
      // The answer (202 accepted, before processing), then what processing came to.
      expect(deliveryLines(dryRun, delivery)).toEqual([
        expect.objectContaining({ decision: "accepted", status: 202 }),
      ]);
      expect(processedLines(dryRun, delivery)).toEqual([expect.objectContaining({ decision: "notified" })]);
      // Nothing went to the stand-in (it is not this instance's Slack, and a dry run sends nothing).
      expect(messagesNaming(slack, repo)).toHaveLength(0);
    });

    it("keeps dedup in a dry run: the same delivery again is a duplicate, printed once", async ({
      dryRun,
    }) => {
      const repo = "acme/it-dry-run-dup";
      const payload = failedRunPayload({ repo, runId: 7_300_000_002 });
      const delivery = randomUUID();
      const first = await postGithub(dryRun.url, payload, { secret: GITHUB_SECRET, delivery });
      expect(first.json?.status, first.text).toBe("notified");
      const again = await postGithub(dryRun.url, payload, { secret: GITHUB_SECRET, delivery });
      expect(again.json?.status, again.text).toBe("duplicate");
      await dryRun.waitForLog((line) => line.delivery === delivery && line.decision === "duplicate");
      expect(
        dryRun.logLines().filter((line) => typeof line.text === "string" && line.text.includes(repo)),
      ).toHaveLength(1);
    });
  });

  describe("a dry run never looks healthy", () => {
    it("the status JSON says dryRun: true and the board says so first (a notice under npm start)", async ({
      dryRun,
    }) => {
      const headers = { authorization: `Bearer ${STATUS_TOKEN}` };
      const json = await fetch(`${dryRun.url}/status`, {
        headers: { ...headers, accept: "application/json" },
      });
      expect(json.status).toBe(200);
      expect(await json.json()).toMatchObject({ dryRun: true });
      const page = await (await fetch(`${dryRun.url}/status`, { headers })).text();
      expect(page).toContain('<p class="banner notice" role="status">Dry run: SLACK_WEBHOOK_URL is unset');
      expect(page).not.toContain("Configuration valid");
      expect(page).toMatch(/<title>[^<]*DRY RUN · /);
    });
  });

  describe("without GITHUB_WEBHOOK_SECRET", () => {
    it("answers every GitHub POST 500 and names GITHUB_WEBHOOK_SECRET in the log", async ({
      slack,
      noGithubSecret,
    }) => {
      const repo = "acme/it-no-secret";
      const payload = failedRunPayload({ repo, runId: 7_300_000_003 });
      const deliveries = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      const answers = [
        await postGithub(noGithubSecret.url, payload, {
          secret: GITHUB_SECRET,
          delivery: deliveries[0] as string,
        }),
        await postGithub(noGithubSecret.url, payload, { delivery: deliveries[1] as string }),
        await postGithub(
          noGithubSecret.url,
          { zen: "Ping.", hook_id: 1 },
          {
            secret: GITHUB_SECRET,
            event: "ping",
            delivery: deliveries[2] as string,
          },
        ),
        await postGithub(noGithubSecret.url, "not json", { delivery: deliveries[3] as string }),
      ];
      expect(answers.map((answer) => answer.status)).toEqual([500, 500, 500, 500]);
      for (const answer of answers) expect(answer.text).toContain("GITHUB_WEBHOOK_SECRET");
      for (const delivery of deliveries) {
        await noGithubSecret.waitForLog((line) => line.delivery === delivery);
        const [line] = deliveryLines(noGithubSecret, delivery);
        expect(line).toMatchObject({ status: 500, level: "error" });
        expect(JSON.stringify(line)).toContain("GITHUB_WEBHOOK_SECRET");
      }
      expect(await settledNaming(slack, repo, 200)).toHaveLength(0);
    });

    it("still serves the Netlify route", async ({ slack, noGithubSecret }) => {
      const name = "it-no-github-secret-netlify";
      const deploy = failedDeploy({ name, site_id: randomUUID(), id: "6750aa0000000000000000a1" });
      const answer = await postNetlify(noGithubSecret.url, deploy, { secret: NETLIFY_SECRET });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json?.status).toBe("notified");
      const sent = await settledNaming(slack, name);
      expect(sent.map((message) => message.status)).toEqual([200]);
    });
  });
});
