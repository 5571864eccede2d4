import { describe, expect, it } from "vitest";
import {
  failedBuildPipeline,
  GITLAB_PREVIOUS_SIGNING_TOKEN,
  GITLAB_PREVIOUS_TOKEN,
  GITLAB_SIGNING_TOKEN,
  GITLAB_TEST_TOKEN,
  gitlabBody,
  gitlabHeaders,
  gitlabRequest,
  pipelinePayload,
} from "../../../../samples/gitlab.ts";
import { ConfigError, loadConfig, routeBlocker } from "../../../../src/config.ts";
import { BadRequestError } from "../../../../src/errors.ts";
import { readBody } from "../../../../src/http/read-body.ts";
import { gitlabSource } from "../../../../src/sources/gitlab/gitlab-source.ts";
import type { RawBody } from "../../../../src/sources/source.ts";

const raw = (text: string): RawBody => ({ bytes: new TextEncoder().encode(text), text, utf8: true });
const tokenOnly = loadConfig({ GITLAB_WEBHOOK_TOKEN: GITLAB_TEST_TOKEN });
const withSigning = loadConfig({
  GITLAB_WEBHOOK_TOKEN: GITLAB_TEST_TOKEN,
  GITLAB_SIGNING_TOKEN: GITLAB_SIGNING_TOKEN,
  GITLAB_SIGNING_TOKEN_PREVIOUS: GITLAB_PREVIOUS_SIGNING_TOKEN,
});
const body = gitlabBody(failedBuildPipeline());

const verify = (headers: Record<string, string>, config = tokenOnly, text = body) =>
  gitlabSource.verify(raw(text), new Headers(headers), gitlabSource.secrets(config), config);

/** The BadRequestError `interpret` throws, or a test failure when it does not throw. */
const rejection = (text: string, headers: Record<string, string> = gitlabHeaders(text)): BadRequestError => {
  try {
    gitlabSource.interpret(raw(text), new Headers(headers));
  } catch (error) {
    if (error instanceof BadRequestError) return error;
    throw error;
  }
  throw new Error("interpret did not throw");
};

describe("gitlabSource", () => {
  it("names itself, its token variable and its event header; reads the tokens (current, then previous)", () => {
    const config = loadConfig({ GITLAB_WEBHOOK_TOKEN: "a", GITLAB_WEBHOOK_TOKEN_PREVIOUS: "b" });
    expect(gitlabSource.name).toBe("gitlab");
    expect(gitlabSource.secretVariable).toBe("GITLAB_WEBHOOK_TOKEN");
    expect(gitlabSource.eventHeader).toBe("x-gitlab-event");
    expect(gitlabSource.secrets(config)).toEqual(["a", "b"]);
    // A previous token alone does not open the route (fail closed).
    expect(gitlabSource.secrets(loadConfig({ GITLAB_WEBHOOK_TOKEN_PREVIOUS: "b" }))).toEqual([]);
  });

  describe("verify", () => {
    it.each<[string, Record<string, string>, boolean]>([
      ["the current token", gitlabHeaders(body), true],
      ["the previous token", gitlabHeaders(body, { token: GITLAB_PREVIOUS_TOKEN }), false],
      ["a wrong token", gitlabHeaders(body, { token: "wrong" }), false],
      ["no token", gitlabHeaders(body, { token: null }), false],
      [
        "a signature but no token",
        gitlabHeaders(body, { token: null, signingToken: GITLAB_SIGNING_TOKEN }),
        false,
      ],
    ])("token only configured: %s → %s", async (_what, headers, expected) => {
      await expect(verify(headers)).resolves.toBe(expected);
    });

    it("accepts the previous token while GITLAB_WEBHOOK_TOKEN_PREVIOUS is set", async () => {
      const config = loadConfig({
        GITLAB_WEBHOOK_TOKEN: "new",
        GITLAB_WEBHOOK_TOKEN_PREVIOUS: GITLAB_TEST_TOKEN,
      });
      await expect(verify(gitlabHeaders(body), config)).resolves.toBe(true);
    });

    it.each<[string, Record<string, string>, boolean]>([
      ["token and current signature", gitlabHeaders(body, { signingToken: GITLAB_SIGNING_TOKEN }), true],
      [
        "token and previous signature",
        gitlabHeaders(body, { signingToken: GITLAB_PREVIOUS_SIGNING_TOKEN }),
        true,
      ],
      ["token, no signature (a GitLab without signing)", gitlabHeaders(body), false],
      [
        "signature, wrong token",
        gitlabHeaders(body, { token: "wrong", signingToken: GITLAB_SIGNING_TOKEN }),
        false,
      ],
      [
        "token, stale signature",
        gitlabHeaders(body, {
          signingToken: GITLAB_SIGNING_TOKEN,
          timestamp: Math.floor(Date.now() / 1000) - 3600,
        }),
        false,
      ],
      [
        "token, signature by an unknown token",
        gitlabHeaders(body, { signingToken: `whsec_${Buffer.alloc(32, 1).toString("base64")}` }),
        false,
      ],
      [
        "token, malformed signature header",
        {
          ...gitlabHeaders(body, { signingToken: GITLAB_SIGNING_TOKEN }),
          "webhook-signature": "v1,,,\u00e9",
        },
        false,
      ],
    ])("signing token configured: %s → %s", async (_what, headers, expected) => {
      await expect(verify(headers, withSigning)).resolves.toBe(expected);
    });

    it("with a signing token, refuses a body that is not valid UTF-8 (its text is not what was signed)", async () => {
      const headers = new Headers(gitlabHeaders(body, { signingToken: GITLAB_SIGNING_TOKEN }));
      const broken: RawBody = { bytes: new Uint8Array([0xff]), text: body, utf8: false };
      await expect(
        gitlabSource.verify(broken, headers, gitlabSource.secrets(withSigning), withSigning),
      ).resolves.toBe(false);
    });
  });

  describe("configuration of the signing token", () => {
    it.each([
      ["no whsec_ prefix", Buffer.alloc(32).toString("base64")],
      ["not base64", "whsec_not*base64!"],
      ["bad padding", "whsec_abc"],
      ["empty key", "whsec_"],
    ])(
      "%s → the GitLab route closes (ConfigError naming GITLAB_SIGNING_TOKEN, never its value), the others go on",
      (_what, value) => {
        const config = loadConfig({ GITLAB_WEBHOOK_TOKEN: "t", GITLAB_SIGNING_TOKEN: value });
        const blocker = routeBlocker(config, "gitlab");
        expect(blocker).toBeInstanceOf(ConfigError);
        expect(blocker?.variable).toBe("GITLAB_SIGNING_TOKEN");
        if (value.length > 6) expect(JSON.stringify(config.problems)).not.toContain(value);
        expect(routeBlocker(config, "github")).toBeNull();
        expect(routeBlocker(config, "netlify")).toBeNull();
      },
    );

    it("a previous signing token without the current one closes the route (it would switch the check off)", () => {
      const config = loadConfig({
        GITLAB_WEBHOOK_TOKEN: "t",
        GITLAB_SIGNING_TOKEN_PREVIOUS: GITLAB_SIGNING_TOKEN,
      });
      expect(routeBlocker(config, "gitlab")?.variable).toBe("GITLAB_SIGNING_TOKEN_PREVIOUS");
    });

    it("a malformed previous signing token names the previous variable", () => {
      const config = loadConfig({
        GITLAB_WEBHOOK_TOKEN: "t",
        GITLAB_SIGNING_TOKEN: GITLAB_SIGNING_TOKEN,
        GITLAB_SIGNING_TOKEN_PREVIOUS: "whsec_%%",
      });
      expect(routeBlocker(config, "gitlab")?.variable).toBe("GITLAB_SIGNING_TOKEN_PREVIOUS");
    });
  });

  describe("deliveryId", () => {
    it("is the Idempotency-Key, then X-Gitlab-Event-UUID, else unknown (never echoed)", () => {
      expect(gitlabSource.deliveryId(new Headers({ "idempotency-key": "abc-123" }), null)).toBe("abc-123");
      expect(gitlabSource.deliveryId(new Headers({ "x-gitlab-event-uuid": "uuid-1" }), null)).toBe("uuid-1");
      expect(gitlabSource.deliveryId(new Headers({ "idempotency-key": "<script>" }), null)).toBe("unknown");
      expect(gitlabSource.deliveryId(new Headers(), null)).toBe("unknown");
    });
  });

  describe("interpret", () => {
    it.each(["Job Hook", "Push Hook", "Merge Request Hook", "Deployment Hook", "System Hook"])(
      "%s → ignored, telling the user to tick only Pipeline events",
      (event) => {
        expect(gitlabSource.interpret(raw(body), new Headers(gitlabHeaders(body, { event })))).toEqual({
          kind: "skip",
          status: "ignored",
          reason: `event ${JSON.stringify(event)} is not watched: tick only "Pipeline events" on the GitLab webhook`,
        });
      },
    );

    it("answers a running pipeline from its status alone, even with fields missing", () => {
      const text = JSON.stringify({ object_kind: "pipeline", object_attributes: { status: "running" } });
      expect(gitlabSource.interpret(raw(text), new Headers(gitlabHeaders(text)))).toMatchObject({
        kind: "skip",
        status: "ignored",
      });
    });

    it.each<[string, string, RegExp]>([
      ["broken JSON", "{not json", /not valid JSON/],
      ["an array", "[]", /not a JSON object/],
      [
        "a missing project",
        JSON.stringify({ ...failedBuildPipeline(), project: undefined }),
        /project: expected object, got nothing/,
      ],
      [
        "a pipeline id that is a string",
        JSON.stringify(failedBuildPipeline()).replace('"id":1203117', '"id":"1203117"'),
        /object_attributes\.id: expected number, got string/,
      ],
      [
        "a finish time that is not a time",
        JSON.stringify(pipelinePayload({ status: "failed", finishedAt: "yesterday" })),
        /object_attributes\.finished_at/,
      ],
      [
        "another object kind",
        JSON.stringify({ ...failedBuildPipeline(), object_kind: "build" }),
        /object_kind/,
      ],
    ])("%s → 400 naming the field", (_what, text, message) => {
      const error = rejection(text);
      expect(error.code).toBe("bad_request");
      expect(error.message).toMatch(message);
    });

    it("a missing X-Gitlab-Event header → 400", () => {
      expect(rejection(body, gitlabHeaders(body, { event: null })).code).toBe("bad_request");
    });

    it("a finished pipeline → the run to consider", () => {
      expect(gitlabSource.interpret(raw(body), new Headers(gitlabHeaders(body)))).toMatchObject({
        kind: "run",
        event: { source: "gitlab", outcome: "failure", site: "acme/sites/docs" },
      });
    });
  });

  it("a request as GitLab sends it is read, verified and interpreted", async () => {
    const req = gitlabRequest(failedBuildPipeline(), {
      signingToken: GITLAB_SIGNING_TOKEN,
      idempotencyKey: "k-1",
    });
    const read = await readBody(req, 1_048_576);
    expect(gitlabSource.deliveryId(req.headers, read)).toBe("k-1");
    await expect(
      gitlabSource.verify(read, req.headers, gitlabSource.secrets(withSigning), withSigning),
    ).resolves.toBe(true);
    expect(gitlabSource.interpret(read, req.headers)).toMatchObject({ kind: "run" });
  });
});
