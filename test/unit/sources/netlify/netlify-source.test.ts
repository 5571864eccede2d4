import { afterEach, describe, expect, it } from "vitest";
import {
  failedDeploy,
  LOG_ACCESS_TOKEN,
  NETLIFY_PREVIOUS_SECRET,
  NETLIFY_TEST_SECRET,
  netlifyBody,
  readyDeploy,
  SKEW_PROTECTION_TOKEN,
  signedNetlifyRequest,
  signNetlify,
  skippedDeploy,
} from "../../../../samples/netlify.ts";
import { loadConfig } from "../../../../src/config.ts";
import { BadRequestError } from "../../../../src/errors.ts";
import { netlifySource } from "../../../../src/sources/netlify/netlify-source.ts";
import type { RawBody } from "../../../../src/sources/source.ts";

/** Netlify's verify reads nothing from the config; the interface passes it for sources that do (GitLab). */
const anyConfig = loadConfig({});
const raw = (text: string): RawBody => ({ bytes: new TextEncoder().encode(text), text, utf8: true });
const headers = (entries: Record<string, string> = {}): Headers =>
  new Headers({ "content-type": "application/json", ...entries });

/** The BadRequestError `interpret` throws for `text`, or a test failure when it does not throw. */
const rejection = (text: string): BadRequestError => {
  try {
    netlifySource.interpret(raw(text), headers());
  } catch (error) {
    if (error instanceof BadRequestError) return error;
    throw error;
  }
  throw new Error("interpret did not throw");
};

describe("netlifySource", () => {
  it("names itself and its secret variable, and reads the Netlify secrets (current, then previous)", () => {
    const config = loadConfig({
      NETLIFY_WEBHOOK_SECRET: NETLIFY_TEST_SECRET,
      NETLIFY_WEBHOOK_SECRET_PREVIOUS: NETLIFY_PREVIOUS_SECRET,
      GITHUB_WEBHOOK_SECRET: "github-secret",
    });
    expect(netlifySource.name).toBe("netlify");
    expect(netlifySource.secretVariable).toBe("NETLIFY_WEBHOOK_SECRET");
    expect(netlifySource.secrets(config)).toEqual([NETLIFY_TEST_SECRET, NETLIFY_PREVIOUS_SECRET]);
  });

  describe("verify", () => {
    it.each<[string, (body: string) => Promise<Record<string, string>>, boolean]>([
      [
        "signature in X-Webhook-Signature",
        async (b) => ({ "x-webhook-signature": await signNetlify(NETLIFY_TEST_SECRET, b) }),
        true,
      ],
      [
        "header name in any case",
        async (b) => ({ "X-WEBHOOK-SIGNATURE": await signNetlify(NETLIFY_TEST_SECRET, b) }),
        true,
      ],
      [
        "signature in another header",
        async (b) => ({ authorization: await signNetlify(NETLIFY_TEST_SECRET, b) }),
        false,
      ],
      ["no signature", async () => ({}), false],
    ])("%s → %s", async (_name, make, expected) => {
      const body = netlifyBody(failedDeploy());
      const result = netlifySource.verify(
        raw(body),
        headers(await make(body)),
        [NETLIFY_TEST_SECRET],
        anyConfig,
      );
      await expect(result).resolves.toBe(expected);
    });

    it("verifies the bytes, not the text: a signature over other bytes with the same text field fails", async () => {
      const body = netlifyBody(failedDeploy());
      const signature = await signNetlify(NETLIFY_TEST_SECRET, body);
      const tampered = { bytes: new TextEncoder().encode(`${body} `), text: body, utf8: true };
      await expect(
        netlifySource.verify(
          tampered,
          headers({ "x-webhook-signature": signature }),
          [NETLIFY_TEST_SECRET],
          anyConfig,
        ),
      ).resolves.toBe(false);
    });
  });

  describe("deliveryId", () => {
    it("is netlify: and the first 16 hex of the body's SHA-256, stable for the same body", () => {
      const body = raw(netlifyBody(failedDeploy()));
      const id = netlifySource.deliveryId(headers(), body);
      expect(id).toMatch(/^netlify:[0-9a-f]{16}$/);
      expect(netlifySource.deliveryId(headers({ "x-netlify-event": "deploy_failed" }), body)).toBe(id);
      expect(netlifySource.deliveryId(headers(), raw(netlifyBody(readyDeploy())))).not.toBe(id);
    });

    it("matches a known digest", () => {
      // sha256("{}") = 44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a
      expect(netlifySource.deliveryId(headers(), raw("{}"))).toBe("netlify:44136fa355b3678a");
    });
  });

  describe("interpret", () => {
    it("turns a signed failure notification into a run", async () => {
      const { body, request } = await signedNetlifyRequest(failedDeploy());
      const result = netlifySource.interpret(raw(body), request.headers);
      expect(result).toMatchObject({
        kind: "run",
        event: { source: "netlify", outcome: "deploy_error", site: "acme-docs" },
      });
    });

    it("ignores a skipped build (no content change)", () => {
      const result = netlifySource.interpret(
        raw(netlifyBody(skippedDeploy())),
        headers({ "x-netlify-event": "deploy_failed" }),
      );
      expect(result).toMatchObject({ kind: "skip", status: "ignored" });
    });

    it.each(["deploy_locked", "Deploy_Unlocked", " deploy_building "])(
      "uses X-Netlify-Event %j (trimmed, any case) to ignore notifications that are not outcomes",
      (event) => {
        const result = netlifySource.interpret(
          raw(netlifyBody(readyDeploy())),
          headers({ "x-netlify-event": event }),
        );
        expect(result).toMatchObject({ kind: "skip", status: "ignored" });
      },
    );

    it("ignores a malformed X-Netlify-Event rather than trusting it", () => {
      const result = netlifySource.interpret(
        raw(netlifyBody(failedDeploy())),
        headers({ "x-netlify-event": "deploy locked!" }),
      );
      expect(result).toMatchObject({ kind: "run" });
    });

    it("never lets the log token into the interpretation", () => {
      const text = JSON.stringify(netlifySource.interpret(raw(netlifyBody(failedDeploy())), headers()));
      expect(text).not.toContain(LOG_ACCESS_TOKEN);
      expect(text).not.toContain(SKEW_PROTECTION_TOKEN);
    });

    it.each(["", "{", "not json", '{"id": "x",}', "\u0000"])(
      "bad JSON %j → 400 body is not valid JSON",
      (text) => {
        const error = rejection(text);
        expect(error.code).toBe("bad_request");
        expect(error.code).toBe("bad_request");
        expect(error.message).toBe("body is not valid JSON");
      },
    );

    it.each<[string, string, string]>([
      [
        "state is a number",
        netlifyBody(failedDeploy({ state: 42 as unknown as string })),
        "state: expected string, got number",
      ],
      ["id missing", netlifyBody(withoutKey(failedDeploy(), "id")), "id: expected string, got nothing"],
      ["name empty", netlifyBody(failedDeploy({ name: "" })), "name: must not be empty"],
      [
        "skipped not a boolean",
        netlifyBody(failedDeploy({ skipped: "yes" as unknown as boolean })),
        "skipped: expected boolean, got string",
      ],
      [
        "error_message an object",
        netlifyBody(failedDeploy({ error_message: {} as unknown as string })),
        "error_message: expected string, got object",
      ],
      ["body is an array", "[]", "body: expected object, got array"],
      ["body is null", "null", "body: expected object, got null"],
      ["body is a string", '"deploy"', "body: expected object, got string"],
    ])("wrong shape (%s) → 400 naming the field", (_name, text, message) => {
      const error = rejection(text);
      expect(error.code).toBe("bad_request");
      expect(error.message).toBe(`invalid deploy payload: ${message}`);
    });

    it("does not echo field values in the 400", () => {
      const error = rejection(
        netlifyBody(failedDeploy({ state: { secret: "s3cr3t-value" } as unknown as string })),
      );
      expect(error.message).not.toContain("s3cr3t-value");
    });

    describe("__proto__ in the body", () => {
      afterEach(() => {
        // Undo a pollution, should the behaviour ever regress, so other tests are not affected.
        delete (Object.prototype as Record<string, unknown>).polluted;
      });

      it.each([
        ["top level", (deploy: string) => deploy.replace(/^\{/, '{"__proto__":{"polluted":"yes"},')],
        [
          "inside log_access_attributes",
          (deploy: string) =>
            deploy.replace(
              '"log_access_attributes":{',
              '"log_access_attributes":{"__proto__":{"polluted":"yes"},',
            ),
        ],
        [
          "constructor.prototype",
          (deploy: string) => deploy.replace(/^\{/, '{"constructor":{"prototype":{"polluted":"yes"}},'),
        ],
      ])("%s does not pollute Object.prototype", (_name, inject) => {
        const text = inject(netlifyBody(failedDeploy()));
        expect(text).toContain("polluted");
        const result = netlifySource.interpret(raw(text), headers());
        expect(result.kind).toBe("run");
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(JSON.stringify(result)).not.toContain("polluted");
      });
    });
  });
});

function withoutKey<T extends object>(value: T, key: keyof T): Omit<T, typeof key> {
  const copy = { ...value };
  delete copy[key];
  return copy;
}
