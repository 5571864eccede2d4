import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  CrossOriginError,
  ResponseTooLargeError,
  sameOriginFetch,
  TooManyRedirectsError,
} from "../../../src/net/same-origin-fetch.ts";

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly privateToken: string | undefined;
  readonly body: string;
}

type Answer = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** A local origin that records what it got and answers with `answer`. */
const origin = async (answer: Answer = (_, res) => res.end("ok")) => {
  const seen: Seen[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    seen.push({
      method: req.method ?? "",
      path: req.url ?? "",
      authorization: req.headers.authorization,
      privateToken: req.headers["private-token"] as string | undefined,
      body: Buffer.concat(chunks).toString("utf8"),
    });
    answer(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
};

const redirectTo =
  (location: string, status = 302): Answer =>
  (_, res) => {
    res.writeHead(status, { location });
    res.end();
  };

const credentials = { authorization: "Bearer secret-token", "private-token": "glpat-secret" };

describe("sameOriginFetch", () => {
  it("follows a same-origin redirect with the credentials", async () => {
    const a = await origin((req, res) =>
      req.url === "/start" ? redirectTo("/next")(req, res) : res.end("here"),
    );
    const response = await sameOriginFetch()(`${a.url}/start`, { headers: credentials });
    expect(await response.text()).toBe("here");
    expect(a.seen.map((s) => [s.path, s.authorization, s.privateToken])).toEqual([
      ["/start", "Bearer secret-token", "glpat-secret"],
      ["/next", "Bearer secret-token", "glpat-secret"],
    ]);
  });

  it("follows a cross-origin redirect without any credential header, and never puts them back", async () => {
    const a = await origin((req, res) =>
      req.url === "/back" ? res.end("home") : redirectTo(`${b.url}/there`)(req, res),
    );
    const b = await origin(redirectTo(`${a.url}/back`));
    const response = await sameOriginFetch()(`${a.url}/start`, { headers: credentials });
    expect(await response.text()).toBe("home");
    expect(b.seen).toEqual([
      { method: "GET", path: "/there", authorization: undefined, privateToken: undefined, body: "" },
    ]);
    // Back on the first origin, still without credentials.
    expect(a.seen.map((s) => [s.path, s.authorization])).toEqual([
      ["/start", "Bearer secret-token"],
      ["/back", undefined],
    ]);
  });

  it("refuses a cross-origin redirect with crossOrigin: refuse", async () => {
    const b = await origin();
    const a = await origin(redirectTo(`${b.url}/x`));
    await expect(sameOriginFetch({ crossOrigin: "refuse" })(a.url, { headers: credentials })).rejects.toThrow(
      CrossOriginError,
    );
    expect(b.seen).toEqual([]);
  });

  it.each([307, 308])("never re-sends a body to another origin on a %i", async (status) => {
    const b = await origin();
    const a = await origin(redirectTo(`${b.url}/hooks/1`, status));
    await expect(
      sameOriginFetch()(`${a.url}/hooks/1`, {
        method: "PUT",
        headers: credentials,
        body: '{"token":"hook-secret"}',
      }),
    ).rejects.toThrow(/a redirect with a body .* not followed/);
    expect(b.seen).toEqual([]);
  });

  it("re-sends the body of a 307 on the same origin; a 303 becomes a GET without it", async () => {
    const a = await origin((req, res) => {
      if (req.url === "/put") return redirectTo("/put2", 307)(req, res);
      if (req.url === "/post") return redirectTo("/see", 303)(req, res);
      res.end();
    });
    await sameOriginFetch()(`${a.url}/put`, { method: "PUT", body: "payload" });
    await sameOriginFetch()(`${a.url}/post`, { method: "POST", body: "payload" });
    expect(a.seen.map((s) => `${s.method} ${s.path} ${s.body}`)).toEqual([
      "PUT /put payload",
      "PUT /put2 payload",
      "POST /post payload",
      "GET /see ",
    ]);
  });

  it("stops after maxRedirects; redirect: error and manual keep their meaning", async () => {
    const a = await origin(redirectTo("/again"));
    await expect(sameOriginFetch({ maxRedirects: 3 })(a.url)).rejects.toThrow(TooManyRedirectsError);
    expect(a.seen).toHaveLength(4);
    await expect(sameOriginFetch()(a.url, { redirect: "error" })).rejects.toThrow(TypeError);
    expect((await sameOriginFetch()(a.url, { redirect: "manual" })).status).toBe(302);
  });

  it("bounds the body: a declared or a streamed size over maxBytes is refused, a smaller one read", async () => {
    const declared = await origin((_, res) => {
      res.writeHead(200, { "content-length": "2000" });
      res.end("x".repeat(2000));
    });
    const chunked = await origin((_, res) => {
      res.write("x".repeat(600));
      res.end("x".repeat(600));
    });
    const small = await origin((_, res) => res.end('{"ok":true}'));
    const bounded = sameOriginFetch({ maxBytes: 1000 });
    await expect(bounded(declared.url)).rejects.toThrow(ResponseTooLargeError);
    await expect(bounded(chunked.url)).rejects.toThrow(/larger than 1000 bytes/);
    const response = await bounded(small.url);
    expect(await response.json()).toEqual({ ok: true });
    expect(response.url).toBe(`${small.url}/`);
  });

  it("bounds each call in time with timeoutMs", async () => {
    const silent = await origin(() => undefined);
    await expect(sameOriginFetch({ timeoutMs: 100 })(silent.url)).rejects.toThrow(/timeout|aborted/i);
  });

  it("takes a Request as input", async () => {
    const a = await origin();
    const response = await sameOriginFetch()(
      new Request(`${a.url}/r`, { method: "POST", body: "b", headers: credentials }),
    );
    expect(response.status).toBe(200);
    expect(a.seen[0]).toMatchObject({
      method: "POST",
      path: "/r",
      body: "b",
      authorization: "Bearer secret-token",
    });
  });
});
