import { describe, expect, it } from "vitest";
import { memoryLogger } from "../../../src/log.ts";
import { parseSilenceArgs } from "../../../src/silences/silence-args.ts";
import { addSilence, listSilences } from "../../../src/silences/silence-store.ts";
import { writeAck } from "../../../src/slack-actions/ack-record.ts";
import { handleStatus } from "../../../src/status/handle-status.ts";
import { renderSilences } from "../../../src/status/render-silences.ts";
import { MemoryStore } from "../../../src/store/memory-store.ts";
import { T0 } from "../clock.ts";
import { baseEnv } from "../support.ts";

const TOKEN = "status-token-0123456789";
const HOUR = 3_600_000;

const call = async (
  store: MemoryStore,
  method: string,
  options: { path?: string; body?: unknown; token?: string | null; accept?: string } = {},
) => {
  const headers: Record<string, string> = {};
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? TOKEN}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.accept) headers.accept = options.accept;
  const response = await handleStatus(
    new Request(`https://vigie.example${options.path ?? "/status/silences"}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    }),
    {
      env: { ...baseEnv, VIGIE_STATUS_TOKEN: TOKEN },
      log: memoryLogger().log,
      store: () => store,
      now: () => T0,
    },
  );
  return {
    status: response.status,
    json: (await response.json().catch(() => null)) as Record<string, unknown>,
  };
};

describe("/status/silences", () => {
  it("needs the status token, like the board", async () => {
    const store = new MemoryStore();
    expect((await call(store, "GET", { token: null })).status).toBe(401);
    expect(
      (await call(store, "POST", { token: "wrong", body: { conditions: ["site:*"], for: "1h" } })).status,
    ).toBe(401);
    expect(await store.list("")).toEqual([]);
  });

  it("adds, lists and removes silences", async () => {
    const store = new MemoryStore();
    const added = await call(store, "POST", {
      body: { conditions: ["site:acme/*"], for: "4h", reason: "rebuild" },
    });
    expect(added.status).toBe(201);
    const silence = added.json.silence as { id: string; until: number; by: string };
    expect(silence).toMatchObject({ until: T0 + 4 * HOUR, by: "status route", active: true });
    const listed = await call(store, "GET");
    expect((listed.json.silences as Array<{ id: string }>).map((s) => s.id)).toEqual([silence.id]);
    expect((await call(store, "DELETE", { path: `/status/silences?id=${silence.id}` })).status).toBe(200);
    expect((await call(store, "DELETE", { path: `/status/silences?id=${silence.id}` })).status).toBe(404);
    expect(await listSilences(store)).toEqual([]);
  });

  it("answers 400 naming what is wrong", async () => {
    const store = new MemoryStore();
    const res = await call(store, "POST", { body: { conditions: ["site:acme/*"] } });
    expect(res).toMatchObject({ status: 400, json: { reason: expect.stringContaining("--for") } });
    expect((await call(store, "POST", { body: { nothing: true } })).status).toBe(400);
    expect((await call(store, "PUT")).status).toBe(405);
  });

  it("the board and its JSON list active silences and acknowledgements", async () => {
    const store = new MemoryStore();
    await addSilence(
      store,
      {
        match: { site: "acme/<b>*", branch: null, source: null, stream: null },
        until: T0 + HOUR,
        untilGreen: false,
        reason: "<script>",
      },
      "cli",
      T0,
    );
    await addSilence(
      store,
      {
        match: { site: "old/*", branch: null, source: null, stream: null },
        until: T0 - 1,
        untilGreen: false,
        reason: null,
      },
      "cli",
      T0 - HOUR,
    );
    await writeAck(store, {
      episode: "e1",
      stream: "s1",
      site: "acme/site-1",
      branch: "main",
      user: "U0ALICE01",
      at: T0,
    });
    const json = await call(store, "GET", { path: "/status", accept: "application/json" });
    const actions = json.json.actions as {
      silences: Array<{ match: { site: string } }>;
      acks: Array<{ user: string }>;
    };
    expect(actions.silences.map((s) => s.match.site)).toEqual(["acme/<b>*"]);
    expect(actions.acks.map((a) => a.user)).toEqual(["U0ALICE01"]);
    const html = String(renderSilences(actions as never, T0));
    expect(html).toContain("site:acme/&lt;b&gt;*");
    expect(html).toContain("&lt;script&gt;");
    expect(html).not.toContain("<script>");
    expect(html).toContain("U0ALICE01");
  });
});

describe("npm run silence arguments", () => {
  it.each([
    [["add", "site:acme/*", "branch:main", "--for", "4h", "--reason", "theme"], { command: "add" }],
    [["list", "--url", "https://v.example"], { command: "list" }],
    [["remove", "ab12cd34"], { command: "remove", id: "ab12cd34" }],
  ])("%j", (argv, run) => {
    const args = parseSilenceArgs(argv);
    expect(typeof args === "string" ? args : args.run).toMatchObject(run);
  });
  it.each([[[]], [["mute"]], [["remove"]], [["add", "--for"]], [["list", "--colour", "red"]]])(
    "refuses %j",
    (argv) => {
      expect(typeof parseSilenceArgs(argv)).toBe("string");
    },
  );
});
