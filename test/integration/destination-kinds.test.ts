/**
 * Teams, Discord and signed JSON destinations, end to end (docs/architecture.md, "Destinations"): the REAL
 * functions in Netlify's local runtime and local HTTP stand-ins for a Teams Workflows webhook (202), two
 * Discord webhooks (one answering 429 with `retry_after` first, one deleted: 404 Unknown Webhook) and a
 * JSON receiver that verifies every signature with the `standardwebhooks` package.
 */
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failedRunPayload, runPayload } from "../../samples/github.ts";
import {
  postGithub,
  type SlackReply,
  type SlackRequest,
  type SlackStandIn,
  startSlackStandIn,
  startVigie,
  type Vigie,
} from "./harness.ts";
import { GITHUB_SECRET, sleep, testEnv } from "./support.ts";

const SECRET = `whsec_${Buffer.alloc(32, 11).toString("base64")}`;
const DISCORD_PATH = "/api/webhooks/1234567890/it-discord-secret-token";
const TEAMS_PATH = "/workflows/it-teams-secret-path";
const JSON_PATH = "/hooks/it-json-secret-path";

const json = (status: number, body: unknown, headers: Record<string, string> = {}): SlackReply => ({
  kind: "status",
  status,
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});

/** A Discord webhook: POST ?wait=true answers the message (its id), PATCH …/messages/{id} the edited one. */
const discordReply = (request: SlackRequest): SlackReply => {
  const edited = /\/messages\/(\d+)/.exec(request.path)?.[1];
  if (request.method === "PATCH" && edited) return json(200, { id: edited, channel_id: "42" });
  return json(200, { id: String(900_000 + request.index), channel_id: "42" });
};

describe("Teams, Discord and JSON destinations (real functions, local stand-ins)", () => {
  let teams: SlackStandIn;
  let discord: SlackStandIn;
  let limited: SlackStandIn;
  let gone: SlackStandIn;
  let receiver: SlackStandIn;
  let vigie: Vigie;
  let runId = 8_100_000_000;
  let rateLimited = false;

  const fail = (repo: string) =>
    postGithub(vigie.url, failedRunPayload({ repo, runId: ++runId }), { secret: GITHUB_SECRET });
  const pass = (repo: string) =>
    postGithub(vigie.url, runPayload({ repo, runId: ++runId, updatedAt: "2024-05-01T14:30:00Z" }), {
      secret: GITHUB_SECRET,
    });
  const naming = (standIn: SlackStandIn, text: string) =>
    standIn.messages.filter((m) => m.raw.includes(text));
  const waitFor = async (standIn: SlackStandIn, text: string, count = 1, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (naming(standIn, text).filter((m) => m.status !== null).length < count) {
      if (Date.now() > deadline) {
        throw new Error(
          `${count} request(s) naming ${text} not seen: ${standIn.messages.map((m) => m.raw.slice(0, 120)).join("\n")}\n` +
            vigie
              .logLines()
              .filter((line) => line.level === "warn" || line.level === "error")
              .map((line) => JSON.stringify(line).slice(0, 300))
              .slice(-10)
              .join("\n"),
        );
      }
      await sleep(25);
    }
    return naming(standIn, text);
  };

  beforeAll(async () => {
    [teams, discord, limited, gone, receiver] = await Promise.all([
      startSlackStandIn({ respond: () => ({ kind: "status", status: 202, body: "" }) }),
      startSlackStandIn({ respond: discordReply }),
      startSlackStandIn({
        respond: (request) => {
          if (!rateLimited) {
            rateLimited = true;
            return json(
              429,
              { message: "You are being rate limited.", retry_after: 3, global: false },
              { "retry-after": "1" },
            );
          }
          return discordReply(request);
        },
      }),
      startSlackStandIn({ respond: () => json(404, { message: "Unknown Webhook", code: 10015 }) }),
      startSlackStandIn({ respond: () => ({ kind: "status", status: 204, body: "" }) }),
    ]);
    vigie = await startVigie({
      env: testEnv(null, {
        TEAMS_WEBHOOK_URL_OPS: `${teams.origin}${TEAMS_PATH}`,
        DISCORD_WEBHOOK_URL_COMMUNITY: `${discord.origin}${DISCORD_PATH}`,
        DISCORD_WEBHOOK_URL_LIMITED: `${limited.origin}${DISCORD_PATH}`,
        DISCORD_WEBHOOK_URL_GONE: `${gone.origin}${DISCORD_PATH}`,
        JSON_WEBHOOK_URL_PAGER: `${receiver.origin}${JSON_PATH}`,
        JSON_WEBHOOK_SECRET_PAGER: SECRET,
        ROUTES: [
          "site:dk-org/kinds-* -> OPS, COMMUNITY, PAGER",
          "site:dk-org/limited-* -> LIMITED",
          "site:dk-org/gone-* -> GONE, PAGER",
        ].join("; "),
      }),
    });
  });

  afterAll(async () => {
    await vigie?.dispose();
    await Promise.all([teams, discord, limited, gone, receiver].map((standIn) => standIn?.close()));
  });

  it("a failure reaches Teams as an Adaptive Card, Discord as embeds, the receiver as a signed document", async () => {
    await fail("dk-org/kinds-a");
    const [card] = await waitFor(teams, "dk-org/kinds-a");
    expect(card?.status).toBe(202);
    expect(card?.body).toMatchObject({
      type: "message",
      attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", content: { version: "1.4" } }],
    });
    const [post] = await waitFor(discord, "dk-org/kinds-a");
    expect(post).toMatchObject({ method: "POST", path: `${DISCORD_PATH}?wait=true` });
    expect(post?.body).toMatchObject({
      allowed_mentions: { parse: [] },
      embeds: [{ title: "dk-org/kinds-a" }],
    });
    const [document] = await waitFor(receiver, "dk-org/kinds-a");
    const headers = document?.headers as Record<string, string>;
    const verified = new Webhook(SECRET).verify(document?.raw ?? "", headers);
    expect(verified).toMatchObject({
      type: "vigie.failure",
      version: 1,
      data: { event: { site: "dk-org/kinds-a" } },
    });
    expect(headers["webhook-id"]).toMatch(/:open:PAGER$/);
    expect(verified).toMatchObject({ id: headers["webhook-id"] });
  });

  it("the recovery edits the Discord message in place, and is its own card and document elsewhere", async () => {
    const [post] = naming(discord, "dk-org/kinds-a");
    const id = String(900_000 + (post?.index ?? -1));
    const recovered = await pass("dk-org/kinds-a");
    if (recovered.json?.status === "queued") {
      await sleep(1_500);
      await vigie.sweep();
    }
    const [, edit] = await waitFor(discord, "dk-org/kinds-a", 2);
    expect(edit).toMatchObject({ method: "PATCH", path: `${DISCORD_PATH}/messages/${id}` });
    expect(edit?.raw).toContain("Recovered");
    expect(edit?.raw).toMatch(/broken for \d/);
    const [, card] = await waitFor(teams, "dk-org/kinds-a", 2);
    expect(card?.raw).toContain("✅ Recovered");
    const [, document] = await waitFor(receiver, "dk-org/kinds-a", 2);
    expect(
      new Webhook(SECRET).verify(document?.raw ?? "", document?.headers as Record<string, string>),
    ).toMatchObject({
      type: "vigie.recovery",
      data: { episode: { failedRuns: 1 } },
    });
  });

  it("a Discord 429 holds that destination until retry_after (JSON, beyond Retry-After); the sweep sends it then", async () => {
    await fail("dk-org/limited-a");
    const [first] = await waitFor(limited, "dk-org/limited-a");
    expect(first?.status).toBe(429);
    // Sweeps right away and then until it goes: none may post before retry_after (3 s; Retry-After says 1 s).
    const deadline = Date.now() + 20_000;
    while (naming(limited, "dk-org/limited-a").length < 2 && Date.now() < deadline) {
      await vigie.sweep();
      await sleep(200);
    }
    const [, second] = await waitFor(limited, "dk-org/limited-a", 2);
    expect(second?.status).toBe(200);
    expect(
      (second?.at ?? 0) - (first?.at ?? 0),
      JSON.stringify(
        vigie
          .logLines()
          .filter((l) => JSON.stringify(l).includes("LIMITED"))
          .slice(-8),
      ),
    ).toBeGreaterThanOrEqual(3_000);
  });

  it("a deleted Discord webhook is dead at once and does not block the others", async () => {
    await fail("dk-org/gone-a");
    await waitFor(gone, "dk-org/gone-a");
    await waitFor(receiver, "dk-org/gone-a");
    await vigie.waitForLog(
      (line) =>
        line.msg === "destination refused the message; it will not be retried" && line.destination === "GONE",
    );
    await vigie.sweep();
    await sleep(300);
    expect(naming(gone, "dk-org/gone-a")).toHaveLength(1);
  });

  it("never logs a webhook URL or the signing secret", () => {
    const logs = vigie.logs();
    for (const secret of [DISCORD_PATH, TEAMS_PATH, JSON_PATH, SECRET, "it-discord-secret-token"]) {
      expect(logs).not.toContain(secret);
    }
  });
});
