import { describe, expect, it } from "vitest";
import { runOutbox } from "../../../scripts/outbox-command.ts";
import { memoryLogger } from "../../../src/log.ts";
import { keys } from "../../../src/pipeline/keys.ts";
import { newEntry } from "../../../src/pipeline/outbox.ts";
import { parseOutboxEntry } from "../../../src/pipeline/records.ts";
import { handleStatus } from "../../../src/status/handle-status.ts";
import { MemoryStore } from "../../../src/store/memory-store.ts";

const NOW = Date.parse("2026-11-27T12:00:00Z");
const TOKEN = "status-token-0123456789";
const message = { text: "x", blocks: [], unfurl_links: false as const, unfurl_media: false as const };

const withDead = async () => {
  const store = new MemoryStore();
  const base = newEntry(
    { id: "m1", kind: "failure", summary: "failure: acme/site-2", message, cause: null, after: null },
    NOW - 60_000,
  );
  await store.set(keys.outbox(NOW - 60_000, "m1"), {
    ...base,
    state: "dead",
    attempts: 1,
    lastError: "http 404: no_service",
  });
  return store;
};

const run = async (argv: string[], store: MemoryStore | null, fetcher?: typeof fetch) => {
  const out: string[] = [];
  const err: string[] = [];
  let stopped = 0;
  const code = await runOutbox(
    argv,
    { VIGIE_STATUS_TOKEN: TOKEN },
    { out: (line) => out.push(line), err: (line) => err.push(line) },
    {
      openStore: async () => (store === null ? null : { store, stop: async () => void stopped++ }),
      now: () => NOW,
      ...(fetcher ? { fetch: fetcher } : {}),
    },
  );
  return { code, out: out.join("\n"), err: err.join("\n"), stopped };
};

const stateOf = async (store: MemoryStore) =>
  parseOutboxEntry(await store.read(keys.outbox(NOW - 60_000, "m1")))?.state;

describe("npm run outbox", () => {
  it("lists what is waiting and dead, and says how to resend a dead one", async () => {
    const { code, out, stopped } = await run([], await withDead());
    expect(code).toBe(0);
    expect(out).toContain("dead    failure to default, 1 attempt(s): failure: acme/site-2");
    expect(out).toContain("last error: http 404: no_service");
    expect(out).toContain("npm run outbox -- resend --dead");
    expect(stopped).toBe(1);
  });

  it("resend: the local dead message goes back to waiting, once", async () => {
    const store = await withDead();
    const first = await run(["resend", "--dead", "--since", "1h"], store);
    expect(first.code).toBe(0);
    expect(first.out).toContain("dead → waiting  failure to default: failure: acme/site-2");
    expect(first.out).toContain("1 message back to waiting in the local outbox");
    expect(await stateOf(store)).toBe("pending");
    expect((await run(["resend", "--dead"], store)).out).toContain("Nothing to resend");
  });

  it("resend --destination of another destination changes nothing", async () => {
    const store = await withDead();
    expect((await run(["resend", "--destination", "THEMES"], store)).out).toContain("Nothing to resend");
    expect(await stateOf(store)).toBe("dead");
  });

  it.each([[["resend", "--since", "soon"]], [["purge"]], [["--url", "https://vigie.example"]]])(
    "%j is a usage error (exit 2)",
    async (argv) => {
      expect((await run(argv, await withDead())).code).toBe(2);
    },
  );

  it("says where the local state is missing (exit 1)", async () => {
    const { code, err } = await run(["resend"], null);
    expect(code).toBe(1);
    expect(err).toContain("npm start");
  });

  it("resend --url: through the deployed route, with the token as a bearer", async () => {
    const store = await withDead();
    const seen: Request[] = [];
    const deployed: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      seen.push(request.clone());
      return handleStatus(request, {
        env: { VIGIE_STATUS_TOKEN: TOKEN },
        log: memoryLogger().log,
        store: () => store,
        now: () => NOW,
      });
    };
    const { code, out } = await run(["resend", "--dead", "--url", "https://vigie.example/"], null, deployed);
    expect(code).toBe(0);
    expect(out).toContain("1 message back to waiting in https://vigie.example/");
    expect(seen[0]?.url).toBe("https://vigie.example/status/outbox/resend");
    expect(seen[0]?.headers.get("authorization")).toBe(`Bearer ${TOKEN}`);
    expect(await seen[0]?.json()).toEqual({ deadOnly: true, destination: null, since: null });
    expect(await stateOf(store)).toBe("pending");
  });

  it("resend --url never follows a redirect with the token", async () => {
    const redirecting: typeof fetch = async (_, init) => {
      expect(init?.redirect).toBe("manual");
      return new Response(null, { status: 302, headers: { location: "https://elsewhere.example/" } });
    };
    const { code, err } = await run(["resend", "--url", "https://vigie.example"], null, redirecting);
    expect(code).toBe(1);
    expect(err).toContain("answered a redirect (302)");
  });
});
