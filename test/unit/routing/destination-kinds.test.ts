import { describe, expect, it } from "vitest";
import { configBanner } from "../../../src/config/describe.ts";
import { loadConfig, parseConfig, sendingBlocker } from "../../../src/config.ts";
import { followUpsOf } from "../../../src/destinations/follow-ups.ts";
import { kindOf } from "../../../src/destinations/kinds.ts";
import { describeRouting } from "../../../src/routing/routing.ts";

const SECRET = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
const URLS = {
  TEAMS_WEBHOOK_URL_OPS: "https://acme.webhook.office.com/workflows/teamsSecretPath",
  DISCORD_WEBHOOK_URL_COMMUNITY: "https://discord.com/api/webhooks/1/discordSecretToken",
  JSON_WEBHOOK_URL_PAGER: "https://pager.example/hooks/jsonSecretPath",
  JSON_WEBHOOK_SECRET_PAGER: SECRET,
};
const problemsOf = (env: Record<string, string>) =>
  parseConfig(env).problems.map((p) => ({ variable: p.variable, effect: p.effect, message: p.message }));

describe("Teams, Discord and JSON destinations", () => {
  it("are named destinations that ROUTES names like the Slack ones, each of its kind", () => {
    const { routing } = loadConfig({
      SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0/B0/default",
      ...URLS,
      ROUTES: "site:acme/theme-* -> OPS, PAGER; source:netlify -> community",
    });
    expect(
      problemsOf({ ...URLS, ROUTES: "site:acme/theme-* -> OPS, PAGER; source:netlify -> community" }),
    ).toEqual([]);
    expect([...routing.destinations.values()].map((d) => [d.name, d.kind, kindOf(d).id])).toEqual([
      ["default", "webhook", "slack-webhook"],
      ["COMMUNITY", "discord", "discord"],
      ["PAGER", "json", "json"],
      ["OPS", "teams", "teams"],
    ]);
    expect(routing.rules.map((rule) => rule.destinations)).toEqual([["OPS", "PAGER"], ["COMMUNITY"]]);
    const table = describeRouting(routing).join("\n");
    expect(table).toContain("OPS: TEAMS_WEBHOOK_URL_OPS (Microsoft Teams, Adaptive Cards)");
    expect(table).toContain("COMMUNITY: DISCORD_WEBHOOK_URL_COMMUNITY (Discord");
    expect(table).toContain(
      "PAGER: JSON_WEBHOOK_URL_PAGER (signed JSON, Standard Webhooks, with JSON_WEBHOOK_SECRET_PAGER)",
    );
    for (const secret of ["teamsSecretPath", "discordSecretToken", "jsonSecretPath", SECRET]) {
      expect(table).not.toContain(secret);
    }
  });

  it("are listed by the banner (npm start, doctor's variable check)", () => {
    const banner = configBanner({ ...URLS, GITHUB_WEBHOOK_SECRET: "x", ROUTES: "site:a/* -> OPS" }).join(
      "\n",
    );
    expect(banner).toContain("TEAMS_WEBHOOK_URL_OPS");
    expect(banner).toContain("DISCORD_WEBHOOK_URL_COMMUNITY");
    expect(banner).toContain("JSON_WEBHOOK_URL_PAGER");
    expect(banner).not.toContain("teamsSecretPath");
  });

  it("share one namespace with SLACK_WEBHOOK_URL_<NAME>: the same name twice stops every send", () => {
    const env = {
      SLACK_WEBHOOK_URL_OPS: "https://hooks.slack.com/services/T0/B0/ops",
      TEAMS_WEBHOOK_URL_OPS: URLS.TEAMS_WEBHOOK_URL_OPS,
    };
    expect(problemsOf(env)).toEqual([
      {
        variable: "TEAMS_WEBHOOK_URL_OPS",
        effect: "closed",
        message:
          "destination OPS is already SLACK_WEBHOOK_URL_OPS: a name may be used by one destination only: nothing is sent until it is fixed",
      },
    ]);
    expect(sendingBlocker(parseConfig(env))?.message).toContain("TEAMS_WEBHOOK_URL_OPS");
    expect(
      problemsOf({
        DISCORD_WEBHOOK_URL_X: URLS.DISCORD_WEBHOOK_URL_COMMUNITY,
        JSON_WEBHOOK_URL_X: URLS.JSON_WEBHOOK_URL_PAGER,
        JSON_WEBHOOK_SECRET_X: SECRET,
      }),
    ).toMatchObject([
      { variable: "JSON_WEBHOOK_URL_X", effect: "closed" },
      { variable: "JSON_WEBHOOK_SECRET_X", effect: "off" },
    ]);
  });

  it("a JSON destination needs a whsec_ secret; a secret alone is ignored; URLs must be http(s)", () => {
    expect(problemsOf({ JSON_WEBHOOK_URL_PAGER: URLS.JSON_WEBHOOK_URL_PAGER })).toMatchObject([
      {
        variable: "JSON_WEBHOOK_SECRET_PAGER",
        effect: "closed",
        message: expect.stringContaining("is unset"),
      },
    ]);
    const wrong = problemsOf({
      JSON_WEBHOOK_URL_PAGER: URLS.JSON_WEBHOOK_URL_PAGER,
      JSON_WEBHOOK_SECRET_PAGER: "hunter2",
    });
    expect(wrong).toMatchObject([{ variable: "JSON_WEBHOOK_SECRET_PAGER", effect: "closed" }]);
    expect(JSON.stringify(wrong)).not.toContain("hunter2");
    expect(problemsOf({ JSON_WEBHOOK_SECRET_PAGER: SECRET })).toMatchObject([
      { variable: "JSON_WEBHOOK_SECRET_PAGER", effect: "off" },
    ]);
    const bad = problemsOf({ DISCORD_WEBHOOK_URL_X: "discord.com/api/webhooks/1/token" });
    expect(bad).toMatchObject([{ variable: "DISCORD_WEBHOOK_URL_X", effect: "closed" }]);
    expect(JSON.stringify(bad)).not.toContain("webhooks/1/token");
    expect(problemsOf({ "TEAMS_WEBHOOK_URL_ops-team": URLS.TEAMS_WEBHOOK_URL_OPS })).toMatchObject([
      { variable: "TEAMS_WEBHOOK_URL_ops-team", effect: "closed" },
    ]);
  });

  it("a new variable changes the configuration (the cache key includes every kind's variables)", () => {
    const before = loadConfig({ TEAMS_WEBHOOK_URL_OPS: URLS.TEAMS_WEBHOOK_URL_OPS });
    const after = loadConfig({ TEAMS_WEBHOOK_URL_OPS: `${URLS.TEAMS_WEBHOOK_URL_OPS}2` });
    expect(after).not.toBe(before);
  });

  it("say what follows an opening: Discord's recovery edits it, the Slack app threads and updates", () => {
    const { routing } = loadConfig({ ...URLS, SLACK_BOT_TOKEN: "xoxb-1", ROUTES: "site:a/* -> #C0123ABCD" });
    expect(followUpsOf(routing, "COMMUNITY")).toEqual({
      keepsOpening: true,
      replies: false,
      recoveryEdits: true,
      updateOnRecovery: false,
    });
    expect(followUpsOf(routing, "#C0123ABCD")).toMatchObject({ replies: true, updateOnRecovery: true });
    expect(followUpsOf(routing, "OPS")).toMatchObject({ keepsOpening: false, recoveryEdits: false });
    expect(followUpsOf(routing, "PAGER")).toMatchObject({ keepsOpening: false });
  });

  it("a destination set to dry-run prints what its kind would receive, sending nothing", async () => {
    const { routing } = loadConfig({ TEAMS_WEBHOOK_URL_OPS: "dry-run", JSON_WEBHOOK_URL_PAGER: "DRY-RUN" });
    expect(problemsOf({ TEAMS_WEBHOOK_URL_OPS: "dry-run", JSON_WEBHOOK_URL_PAGER: "DRY-RUN" })).toEqual([]);
    expect(routing.destinations.get("OPS")).toEqual({ kind: "dry_run", name: "OPS", shows: "teams" });
    expect(describeRouting(routing).join("\n")).toContain(
      "OPS: dry run (TEAMS_WEBHOOK_URL_OPS=dry-run: what Teams would receive is printed in the log)",
    );
    const { createDestinationRouter } = await import("../../../src/destinations/router.ts");
    const { memoryLogger } = await import("../../../src/log.ts");
    const { everyNotice } = await import("../destinations/notices.ts");
    const logs = memoryLogger();
    const router = createDestinationRouter(routing, { timeoutMs: 1_000, log: logs.log });
    const notice = everyNotice().failure;
    expect(await router.send(notice as never, { destination: "OPS" })).toEqual({ kind: "dry_run" });
    expect(await router.send(notice as never, { destination: "PAGER", messageId: "m-1" })).toEqual({
      kind: "dry_run",
    });
    const bodies = logs.lines.map((line) => line.body);
    expect(bodies[0]).toMatchObject({
      attachments: [{ contentType: "application/vnd.microsoft.card.adaptive" }],
    });
    expect(bodies[1]).toMatchObject({ type: "vigie.failure", id: "m-1" });
  });
});
