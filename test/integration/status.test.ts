/**
 * GET /status and a wrong setting, through Netlify's local runtime: REMINDER_HOURS=abc no longer stops
 * notifications (issue 13), the status route names it, and `npm run doctor --url` reads it from there.
 * The tests run in order (the second reads the episode the first opened).
 */
import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { failedRunPayload } from "../../samples/github.ts";
import { vigieTest } from "./fixture.ts";
import { postGithub } from "./harness.ts";
import { runScript } from "./run-script.ts";
import { GITHUB_SECRET } from "./support.ts";

const TOKEN = "it-status-token-7c6b5a4f3e2d";

const it = vigieTest.override("env", { VIGIE_STATUS_TOKEN: TOKEN, REMINDER_HOURS: "abc" });

describe("GET /status, end to end", () => {
  it("a wrong REMINDER_HOURS still notifies, and is logged as a configuration problem", async ({ vigie }) => {
    const answer = await postGithub(
      vigie.url,
      failedRunPayload({ repo: "acme/it-status", runId: 7_400_000_001 }),
      {
        secret: GITHUB_SECRET,
        delivery: randomUUID(),
      },
    );
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json?.status).toBe("notified");
    await vigie.waitForLog(
      (line) => line.msg === "configuration problem" && line.variable === "REMINDER_HOURS",
    );
    expect(vigie.logs()).not.toContain(TOKEN);
  });

  it("refuses without the token (401, Basic challenge) and reports names only with it", async ({ vigie }) => {
    const refused = await vigie.request("/status", { headers: { accept: "application/json" } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toMatch(/^Basic/);

    // The open episodes are listed from the sweep's scan (within a minute).
    await vigie.sweep();
    const before = await vigie.request("/status", {
      headers: { accept: "application/json", authorization: `Bearer ${TOKEN}` },
    });
    expect(before.status).toBe(200);
    const report = (await before.json()) as Record<string, Record<string, unknown>>;
    expect(report.config).toEqual({ valid: false, problems: ["REMINDER_HOURS"] });
    expect(report.episodes?.open).toBe(1);
    expect(report.outbox?.dead).toBe(0);
    expect(JSON.stringify(report)).not.toContain("abc");

    await vigie.sweep();
    const after = await vigie.request("/status", {
      headers: { accept: "application/json", authorization: `Bearer ${TOKEN}` },
    });
    const { sweep } = (await after.json()) as { sweep: { lastRunAt: string | null } };
    expect(sweep.lastRunAt).not.toBeNull();
  });

  it("npm run doctor --url reads it and exits 1 naming the deployed problem", async ({ vigie }) => {
    const result = await runScript("doctor.ts", ["--url", vigie.url], {
      VIGIE_STATUS_TOKEN: TOKEN,
      GITHUB_WEBHOOK_SECRET: "x",
    });
    expect(result.stdout).toContain("✗ Deployed config: problems with REMINDER_HOURS");
    expect(result.stdout).toMatch(/✓ Sweep: last ran \d+ s ago/);
    expect(result.code).toBe(1);
  });
});
