import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { classifyDiscordAnswer, discordKind } from "../../../src/destinations/discord-kind.ts";
import { classifyAnswer } from "../../../src/destinations/http-post.ts";
import { jsonKind } from "../../../src/destinations/json-kind.ts";
import { classifyTeamsAnswer, teamsKind } from "../../../src/destinations/teams-kind.ts";
import { memoryLogger } from "../../../src/log.ts";
import { everyNotice } from "./notices.ts";

const SECRET = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
const answer = (status: number, text = "", headers: Record<string, string> = {}) => ({
  status,
  text,
  headers: new Headers(headers),
});
const NOW = Date.parse("2026-11-27T10:00:00Z");

interface Call {
  url: string;
  method: string;
  body: string;
  headers: Record<string, string>;
  redirect: string | undefined;
}
/** A fetch that records each call and answers from `replies` in order (then 204). */
const fakeFetch = (...replies: Array<() => Response>) => {
  const calls: Call[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({
      url: String(input),
      method: init?.method ?? "GET",
      body: String(init?.body ?? ""),
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      redirect: init?.redirect,
    });
    return (replies.shift() ?? (() => new Response(null, { status: 204 })))();
  }) as typeof globalThis.fetch;
  return { fetch, calls };
};
const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...headers },
    });

const TEAMS_URL = "https://acme.webhook.office.com/workflows/secret-teams-token";
const DISCORD_URL = "https://discord.com/api/webhooks/123/secret-discord-token";
const JSON_URL = "https://pager.example/hooks/secret-json-path";

describe("answer classification", () => {
  it.each([
    [200, "sent"],
    [202, "sent"],
    [400, "dead"],
    [401, "dead"],
    [403, "dead"],
    [404, "dead"],
    [408, "retryable"],
    [429, "retryable"],
    [500, "retryable"],
    [503, "retryable"],
  ])("Teams %i → %s", (status, kind) => {
    expect(classifyTeamsAnswer(answer(status), TEAMS_URL, NOW).kind).toBe(kind);
  });

  it("Teams 429 waits Retry-After", () => {
    expect(classifyTeamsAnswer(answer(429, "", { "retry-after": "7" }), TEAMS_URL, NOW)).toMatchObject({
      kind: "retryable",
      retryAfterMs: 7_000,
    });
  });

  it.each([
    [200, '{"id":"111","channel_id":"222"}', { kind: "sent", ts: "111", channel: "222" }],
    [204, "", { kind: "sent" }],
    [404, '{"message": "Unknown Webhook", "code": 10015}', { kind: "dead", status: 404 }],
    [401, '{"message": "Invalid Webhook Token", "code": 50027}', { kind: "dead", status: 401 }],
    [403, '{"message": "Missing Access", "code": 50001}', { kind: "dead", status: 403 }],
    [400, '{"message": "Invalid Form Body", "code": 50035}', { kind: "dead", status: 400 }],
    [502, "bad gateway", { kind: "retryable", status: 502 }],
  ])("Discord %i %s", (status, text, expected) => {
    expect(classifyDiscordAnswer(answer(status, text), DISCORD_URL, NOW)).toMatchObject(expected);
  });

  it("Discord 429 waits the longer of retry_after (JSON, seconds) and Retry-After", () => {
    const body = '{"message":"You are being rate limited.","retry_after":2.5,"global":false}';
    expect(classifyDiscordAnswer(answer(429, body, { "retry-after": "1" }), DISCORD_URL, NOW)).toMatchObject({
      kind: "retryable",
      retryAfterMs: 2_500,
    });
    const later = '{"message":"You are being rate limited.","retry_after":0.3}';
    expect(classifyDiscordAnswer(answer(429, later, { "retry-after": "4" }), DISCORD_URL, NOW)).toMatchObject(
      {
        retryAfterMs: 4_000,
      },
    );
  });

  it.each([
    [200, "sent"],
    [201, "sent"],
    [204, "sent"],
    [400, "dead"],
    [401, "dead"],
    [403, "dead"],
    [404, "dead"],
    [410, "dead"],
    [429, "retryable"],
    [500, "retryable"],
  ])("JSON receiver %i → %s", (status, kind) => {
    expect(classifyAnswer(answer(status), JSON_URL, NOW).kind).toBe(kind);
  });

  it("never puts the webhook URL in a reason, even when the receiver echoes it", () => {
    const echoed = classifyAnswer(
      answer(500, `no route for ${JSON_URL} (/hooks/secret-json-path)`),
      JSON_URL,
      NOW,
    );
    expect(JSON.stringify(echoed)).not.toContain("secret-json-path");
  });
});

describe("senders", () => {
  const deps = (fetch: typeof globalThis.fetch) => ({
    timeoutMs: 1_000,
    log: memoryLogger().log,
    fetch,
    now: () => NOW,
  });

  it("Teams: posts the card, refusing redirects; 202 is delivered", async () => {
    const { fetch, calls } = fakeFetch(() => new Response(null, { status: 202 }));
    const sender = teamsKind.connect({ kind: "teams", name: "OPS", url: TEAMS_URL }, deps(fetch));
    expect(await sender.send(everyNotice().failure as never)).toEqual({ kind: "sent" });
    expect(calls[0]).toMatchObject({ url: TEAMS_URL, method: "POST", redirect: "error" });
    expect(JSON.parse(calls[0]?.body ?? "")).toMatchObject({ type: "message" });
  });

  it("Discord: posts with ?wait=true and keeps the id; the recovery edits that message in place", async () => {
    const { fetch, calls } = fakeFetch(json(200, { id: "900", channel_id: "42" }), json(200, { id: "900" }));
    const sender = discordKind.connect({ kind: "discord", name: "OPS", url: DISCORD_URL }, deps(fetch));
    expect(await sender.send(everyNotice().failure as never)).toEqual({
      kind: "sent",
      ts: "900",
      channel: "42",
    });
    expect(calls[0]?.url).toBe(`${DISCORD_URL}?wait=true`);
    expect(JSON.parse(calls[0]?.body ?? "").allowed_mentions).toEqual({ parse: [] });
    expect(await sender.send(everyNotice().recovery as never, { threadTs: "900" })).toEqual({ kind: "sent" });
    expect(calls[1]).toMatchObject({ url: `${DISCORD_URL}/messages/900`, method: "PATCH" });
    expect(calls[1]?.body).toContain("broken for 2 h 30 min");
  });

  it("Discord: a recovery whose failure message is gone (10008) is posted instead", async () => {
    const { fetch, calls } = fakeFetch(
      json(404, { message: "Unknown Message", code: 10008 }),
      json(200, { id: "901" }),
    );
    const sender = discordKind.connect({ kind: "discord", name: "OPS", url: DISCORD_URL }, deps(fetch));
    expect((await sender.send(everyNotice().recovery as never, { threadTs: "900" })).kind).toBe("sent");
    expect(calls.map((call) => call.method)).toEqual(["PATCH", "POST"]);
  });

  it("Discord: a deleted webhook (404 Unknown Webhook) is dead at once, on an edit too", async () => {
    const { fetch, calls } = fakeFetch(json(404, { message: "Unknown Webhook", code: 10015 }));
    const sender = discordKind.connect({ kind: "discord", name: "OPS", url: DISCORD_URL }, deps(fetch));
    expect(await sender.send(everyNotice().recovery as never, { threadTs: "900" })).toMatchObject({
      kind: "dead",
      status: 404,
    });
    expect(calls).toHaveLength(1);
  });

  it("JSON: a signed POST whose webhook-id is the message id, verified by standardwebhooks", async () => {
    const { fetch, calls } = fakeFetch(() => new Response("ok", { status: 200 }));
    const sender = jsonKind.connect(
      { kind: "json", name: "PAGER", url: JSON_URL, secret: SECRET },
      {
        ...deps(fetch),
        now: Date.now,
      },
    );
    expect(await sender.send(everyNotice().failure as never, { messageId: "ep-1:open:PAGER" })).toEqual({
      kind: "sent",
    });
    const call = calls[0] as Call;
    expect(call.headers["webhook-id"]).toBe("ep-1:open:PAGER");
    expect(new Webhook(SECRET).verify(call.body, call.headers)).toMatchObject({ type: "vigie.failure" });
  });

  it("a timeout and a network error are retryable; the timeout says so", async () => {
    const hang = (async (_input: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      })) as typeof globalThis.fetch;
    const sender = teamsKind.connect(
      { kind: "teams", name: "OPS", url: TEAMS_URL },
      { ...deps(hang), timeoutMs: 20 },
    );
    expect(await sender.send(everyNotice().failure as never)).toMatchObject({
      kind: "retryable",
      timedOut: true,
    });
    const refused = (async () => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error(`connect ECONNREFUSED ${TEAMS_URL}`), { code: "ECONNREFUSED" }),
      });
    }) as typeof globalThis.fetch;
    const down = await teamsKind
      .connect({ kind: "teams", name: "OPS", url: TEAMS_URL }, deps(refused))
      .send(everyNotice().failure as never);
    expect(down).toMatchObject({ kind: "retryable" });
    expect(JSON.stringify(down)).toContain("ECONNREFUSED");
    expect(JSON.stringify(down)).not.toContain("secret-teams-token");
  });
});
