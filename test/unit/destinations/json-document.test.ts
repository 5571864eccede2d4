import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { jsonDocument } from "../../../src/destinations/json-document.ts";
import { jsonKind, signedRequest } from "../../../src/destinations/json-kind.ts";
import { testNotice } from "../../../src/destinations/notice.ts";
import { memoryLogger } from "../../../src/log.ts";
import { digest, everyNotice, failing, HOSTILE } from "./notices.ts";

const schema: unknown = JSON.parse(
  readFileSync(new URL("../../../docs/webhook-events.schema.json", import.meta.url), "utf8"),
);
const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema as object);
/** A Standard Webhooks secret (whsec_ + base64 of 32 bytes). */
const SECRET = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;

describe("jsonDocument", () => {
  const types = {
    failure: "vigie.failure",
    netlify: "vigie.failure",
    gitlab: "vigie.failure",
    recovery: "vigie.recovery",
    update: "vigie.recovery",
    reminder: "vigie.reminder",
    digest: "vigie.digest",
    recoveryDigest: "vigie.digest",
  } as const;

  it.each(Object.entries(everyNotice()))(
    "%s: a versioned document that the published schema accepts",
    (kind, notice) => {
      const document = jsonDocument(notice, "ep-1:open:PAGER");
      expect(document?.type).toBe(types[kind as keyof typeof types]);
      expect(document).toMatchObject({ version: 1, id: "ep-1:open:PAGER" });
      expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    },
  );

  it("carries the event, the episode and what failed, with the excerpt", () => {
    const document = jsonDocument(everyNotice().failure as never, "id-1");
    expect(document?.data).toMatchObject({
      event: {
        source: "github",
        site: "acme/site-1",
        branch: "main",
        outcome: "failure",
        logsUrl: "https://github.com/acme/site-1/actions/runs/1001",
        run: { repository: "acme/site-1", runId: 1001 },
        failedAt: [
          {
            name: "build",
            step: "Run hugo --minify",
            error: 'template "partials/header" not defined',
            excerpt: ["ERROR render of page failed", 'error: template "partials/header" not defined'],
          },
        ],
      },
      episode: { id: "ep-1", openedAt: "2026-11-27T10:00:00Z", failedRuns: 3 },
    });
    expect(JSON.stringify(document)).not.toContain("authorEmailHash");
  });

  it("says how long a recovered episode was broken", () => {
    const document = jsonDocument(everyNotice().recovery as never, "id-2");
    expect(document?.data).toMatchObject({
      episode: { id: "ep-1", brokenForMs: 9_000_000, closedAt: "2026-11-27T12:30:00Z" },
    });
  });

  it("keeps payload text as data: a hostile commit message is a JSON string, nothing else", () => {
    const document = jsonDocument(
      everyNotice(failing({ commit: { sha: "a", message: HOSTILE, url: null, author: null } }))
        .failure as never,
      "id-3",
    );
    expect(validate(document)).toBe(true);
    expect(document?.data.event).toMatchObject({ commit: { message: HOSTILE } });
  });

  it("is checked for real: the schema refuses a document without its event or with an unknown type", () => {
    const document = jsonDocument(everyNotice().failure as never, "id-4");
    expect(validate({ ...document, data: { episode: document?.data.episode } })).toBe(false);
    expect(validate({ ...document, type: "vigie.other" })).toBe(false);
  });

  it("accepts a digest of 40 sites", () => {
    expect(validate(jsonDocument(digest(40), "digest:failure:x:0"))).toBe(true);
  });
});

describe("signedRequest (Standard Webhooks)", () => {
  it("signs so that the standardwebhooks package verifies it, webhook-id being the message's id", async () => {
    const signed = await signedRequest(
      everyNotice().failure as never,
      SECRET,
      "ep-1:open:PAGER",
      Date.parse("2026-11-27T10:00:05Z"),
    );
    expect(signed?.headers["webhook-id"]).toBe("ep-1:open:PAGER");
    expect(signed?.headers["webhook-timestamp"]).toBe(String(Date.parse("2026-11-27T10:00:05Z") / 1000));
    expect(signed?.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const verifier = new Webhook(SECRET);
    // verify() checks the timestamp against the real clock: sign at the real time for that part.
    const now = await signedRequest(everyNotice().failure as never, SECRET, "ep-1:open:PAGER", Date.now());
    expect(verifier.verify(now?.body ?? "", now?.headers ?? {})).toMatchObject({
      type: "vigie.failure",
      id: "ep-1:open:PAGER",
    });
  });

  it("keeps the id and the body across retries; only the timestamp and signature change", async () => {
    const first = await signedRequest(
      everyNotice().reminder as never,
      SECRET,
      "ep-1:reminder:0",
      1_000_000_000_000,
    );
    const retry = await signedRequest(
      everyNotice().reminder as never,
      SECRET,
      "ep-1:reminder:0",
      1_000_000_060_000,
    );
    expect(retry?.headers["webhook-id"]).toBe(first?.headers["webhook-id"]);
    expect(retry?.body).toBe(first?.body);
    expect(retry?.headers["webhook-signature"]).not.toBe(first?.headers["webhook-signature"]);
  });

  it("refuses a tampered body or another secret", async () => {
    const signed = await signedRequest(everyNotice().failure as never, SECRET, "x", Date.now());
    const verifier = new Webhook(SECRET);
    expect(() => verifier.verify(`${signed?.body} `, signed?.headers ?? {})).toThrow();
    const other = new Webhook(`whsec_${Buffer.alloc(32, 8).toString("base64")}`);
    expect(() => other.verify(signed?.body ?? "", signed?.headers ?? {})).toThrow();
  });
});

describe("a test notice (doctor --send-test)", () => {
  const AT = Date.parse("2026-11-27T12:00:00Z");

  it("is a vigie.test document, in the same envelope, that the published schema accepts", () => {
    const document = jsonDocument(testNotice("PAGER", AT), "test-1");
    expect(document).toEqual({
      type: "vigie.test",
      version: 1,
      id: "test-1",
      timestamp: "2026-11-27T12:00:00.000Z",
      data: { destination: "PAGER", sentBy: "npm run doctor -- --send-test" },
    });
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...document, data: { sentBy: "x" } })).toBe(false);
    expect(validate({ ...document, type: "vigie.failure" })).toBe(false);
  });

  it("is sent signed with the Standard Webhooks headers, verified by standardwebhooks", async () => {
    const calls: Array<{ body: string; headers: Record<string, string> }> = [];
    const fetch = (async (_input: string | URL | Request, init?: RequestInit) => {
      calls.push({
        body: String(init?.body ?? ""),
        headers: Object.fromEntries(new Headers(init?.headers).entries()),
      });
      return new Response(null, { status: 204 });
    }) as typeof globalThis.fetch;
    // verify() checks the timestamp against the real clock: sign at the real time.
    const sender = jsonKind.connect(
      { kind: "json", name: "PAGER", url: "https://pager.example/hooks/secret", secret: SECRET },
      { timeoutMs: 1_000, log: memoryLogger().log, fetch, now: Date.now },
    );
    expect(await sender.send(testNotice("PAGER", Date.now()))).toEqual({ kind: "sent" });
    const [call] = calls;
    expect(Object.keys(call?.headers ?? {})).toEqual(
      expect.arrayContaining(["webhook-id", "webhook-timestamp", "webhook-signature"]),
    );
    const verified = new Webhook(SECRET).verify(call?.body ?? "", call?.headers ?? {});
    expect(verified).toMatchObject({ type: "vigie.test", data: { destination: "PAGER" } });
    expect(verified).toMatchObject({ id: call?.headers["webhook-id"] });
    expect(validate(verified)).toBe(true);
  });
});

describe("digest notices", () => {
  it("keep one log excerpt per group of the same error (forty would weigh down the outbox entry)", () => {
    const notice = digest(3);
    const text = JSON.stringify(notice);
    // Three sites failing the same way: one excerpt, for the group.
    expect(text.split('"excerpt"').length - 1).toBe(1);
    expect(text).toContain("partials/header");
  });
});
