import { describe, expect, it } from "vitest";
import {
  eventExamples,
  failedRunPayload,
  githubRequest,
  signGithub,
  withField,
  workflowRunExample,
} from "../../../../samples/github.ts";
import { type Config, loadConfig } from "../../../../src/config.ts";
import { BadRequestError } from "../../../../src/errors.ts";
import { readBody } from "../../../../src/http/read-body.ts";
import { githubSource } from "../../../../src/sources/github/github-source.ts";
import type { RawBody } from "../../../../src/sources/source.ts";

/** GitHub's verify reads nothing from the config; the interface passes it for sources that do (GitLab). */
const anyConfig = loadConfig({});
const SECRET = "org-webhook-secret";

const raw = (text: string): RawBody => ({ bytes: new TextEncoder().encode(text), text, utf8: true });

const headers = (event: string | null = "workflow_run", contentType = "application/json"): Headers => {
  const result = new Headers({ "content-type": contentType });
  if (event !== null) result.set("x-github-event", event);
  return result;
};

const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();

const badRequest = (message: string | RegExp) =>
  expect.objectContaining({
    code: "bad_request",
    message: typeof message === "string" ? message : expect.stringMatching(message),
  });

describe("githubSource: identity and verification", () => {
  it("reads the GitHub secrets and names GITHUB_WEBHOOK_SECRET", () => {
    const config = { githubSecrets: ["a", "b"], netlifySecrets: ["n"] } as unknown as Config;
    expect(githubSource.name).toBe("github");
    expect(githubSource.secretVariable).toBe("GITHUB_WEBHOOK_SECRET");
    expect(githubSource.secrets(config)).toEqual(["a", "b"]);
  });

  it.each([
    { name: "signed with the current secret", signWith: SECRET, expected: true },
    { name: "signed with the previous secret", signWith: "previous", expected: true },
    { name: "signed with another secret", signWith: "other", expected: false },
    { name: "unsigned", signWith: null, expected: false },
  ])("verify: a body $name → $expected", async ({ signWith, expected }) => {
    const body = JSON.stringify(failedRunPayload());
    const h = headers();
    if (signWith !== null) h.set("x-hub-signature-256", await signGithub(signWith, body));
    await expect(githubSource.verify(raw(body), h, [SECRET, "previous"], anyConfig)).resolves.toBe(expected);
  });

  it("verify: reads X-Hub-Signature-256, not the legacy SHA-1 X-Hub-Signature", async () => {
    const body = '{"zen":"Design for failure."}';
    const h = headers("ping");
    h.set("x-hub-signature", await signGithub(SECRET, body));
    await expect(githubSource.verify(raw(body), h, [SECRET], anyConfig)).resolves.toBe(false);
  });

  it.each([
    {
      name: "a GUID",
      value: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      expected: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    },
    { name: "no header", value: null, expected: "unknown" },
    { name: "an empty header", value: "", expected: "unknown" },
    { name: "something that is not an id", value: 'x" injected {', expected: "unknown" },
    { name: "a 10 KB header", value: "a".repeat(10_240), expected: "unknown" },
  ])("deliveryId: $name → $expected", ({ value, expected }) => {
    const h = headers();
    if (value !== null) h.set("x-github-delivery", value);
    expect(githubSource.deliveryId(h, raw("{}"))).toBe(expected);
  });
});

describe("githubSource.interpret: parsing and routing", () => {
  const json = JSON.stringify(failedRunPayload({ runId: 77 }));

  it.each([
    { name: "JSON", body: json, contentType: "application/json" },
    { name: "JSON with a charset", body: json, contentType: "application/json; charset=utf-8" },
    { name: "JSON without Content-Type", body: json, contentType: "" },
    {
      name: "form-encoded payload=",
      body: form({ payload: json }),
      contentType: "application/x-www-form-urlencoded",
    },
    {
      name: "form-encoded with odd case and parameters",
      body: form({ payload: json }),
      contentType: "Application/X-WWW-Form-URLEncoded; charset=UTF-8",
    },
  ])("reads $name", ({ body, contentType }) => {
    const result = githubSource.interpret(raw(body), headers("workflow_run", contentType));
    expect(result).toMatchObject({ kind: "run", event: { runId: 77, outcome: "failure" } });
  });

  it.each([
    {
      name: "a form without payload field",
      body: form({ other: json }),
      contentType: "application/x-www-form-urlencoded",
      message: "form-encoded body has no payload field",
    },
    {
      name: "broken JSON",
      body: '{"action":',
      contentType: "application/json",
      message: "body is not valid JSON",
    },
    {
      name: "broken JSON in the form field",
      body: form({ payload: "{nope" }),
      contentType: "application/x-www-form-urlencoded",
      message: "body is not valid JSON",
    },
    {
      name: "a form-encoded body sent as JSON",
      body: form({ payload: json }),
      contentType: "application/json",
      message: "body is not valid JSON",
    },
    { name: "an empty body", body: "", contentType: "application/json", message: "body is not valid JSON" },
    {
      name: "JSON null",
      body: "null",
      contentType: "application/json",
      message: "body is not a JSON object",
    },
    {
      name: "a JSON array",
      body: "[]",
      contentType: "application/json",
      message: "body is not a JSON object",
    },
    {
      name: "a JSON number",
      body: "42",
      contentType: "application/json",
      message: "body is not a JSON object",
    },
  ])("answers 400 for $name", ({ body, contentType, message }) => {
    expect(() => githubSource.interpret(raw(body), headers("workflow_run", contentType))).toThrow(
      badRequest(message),
    );
  });

  it("keeps the JSON error as the cause of the 400", () => {
    let thrown: unknown;
    try {
      githubSource.interpret(raw("{"), headers());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BadRequestError);
    expect((thrown as BadRequestError).cause).toBeInstanceOf(SyntaxError);
  });

  it.each([
    { name: "missing", event: null },
    { name: "empty", event: "" },
  ])("answers 400 when X-GitHub-Event is $name", ({ event }) => {
    expect(() => githubSource.interpret(raw(json), headers(event))).toThrow(
      badRequest("missing X-GitHub-Event header"),
    );
  });

  it.each(eventExamples("ping").map((payload, index) => ({ index, payload })))(
    "answers pong to ping example #$index",
    ({ payload }) => {
      expect(githubSource.interpret(raw(JSON.stringify(payload)), headers("ping"))).toEqual({
        kind: "skip",
        status: "pong",
        reason: "pong",
      });
    },
  );

  it.each(["push", "workflow_job", "check_run", "pull_request"])(
    "ignores %s and tells the operator to subscribe only to Workflow runs",
    (event) => {
      const payload = eventExamples(event)[0] ?? {};
      const result = githubSource.interpret(raw(JSON.stringify(payload)), headers(event));
      expect(result).toMatchObject({ kind: "skip", status: "ignored" });
      expect(result.kind === "skip" && result.reason).toContain(`"${event}"`);
      expect(result.kind === "skip" && result.reason).toContain('"Workflow runs"');
    },
  );

  it("skips runs that are not completed", () => {
    const body = JSON.stringify(workflowRunExample({}, { action: "requested" }));
    expect(githubSource.interpret(raw(body), headers())).toMatchObject({ kind: "skip", status: "ignored" });
  });
});

describe("githubSource.interpret: validation of the fields read", () => {
  it.each([
    { path: "workflow_run.id", value: "1589141559", message: "workflow_run.id: expected number, got string" },
    { path: "workflow_run.id", value: undefined, message: "workflow_run.id: expected number, got nothing" },
    { path: "workflow_run", value: undefined, message: "workflow_run: expected object, got nothing" },
    { path: "workflow_run", value: [], message: "workflow_run: expected object, got array" },
    {
      path: "workflow_run.head_sha",
      value: null,
      message: "workflow_run.head_sha: expected string, got null",
    },
    {
      path: "workflow_run.workflow_id",
      value: null,
      message: "workflow_run.workflow_id: expected number, got null",
    },
    {
      path: "workflow_run.html_url",
      value: 1,
      message: "workflow_run.html_url: expected string, got number",
    },
    {
      path: "workflow_run.run_attempt",
      value: "2",
      message: "workflow_run.run_attempt: expected number, got string",
    },
    {
      path: "workflow_run.conclusion",
      value: 0,
      message: "workflow_run.conclusion: expected string, got number",
    },
    {
      path: "workflow_run.head_branch",
      value: {},
      message: "workflow_run.head_branch: expected string, got object",
    },
    {
      path: "workflow_run.updated_at",
      value: undefined,
      message: "workflow_run.updated_at: expected string, got nothing",
    },
    {
      path: "workflow_run.head_commit.author.name",
      value: 3,
      message: "workflow_run.head_commit.author.name: expected string, got number",
    },
    {
      path: "workflow_run.triggering_actor.login",
      value: undefined,
      message: "workflow_run.triggering_actor.login: expected string, got nothing",
    },
    { path: "repository.full_name", value: null, message: "repository.full_name: expected string, got null" },
    { path: "repository", value: undefined, message: "repository: expected object, got nothing" },
    { path: "action", value: 1, message: "action: expected string, got number" },
  ])("answers 400 naming $path when it is $value", ({ path, value, message }) => {
    const body = JSON.stringify(withField(failedRunPayload(), path, value));
    expect(() => githubSource.interpret(raw(body), headers())).toThrow(badRequest(message));
  });

  it.each([
    { path: "workflow_run.head_commit", value: null },
    { path: "workflow_run.head_branch", value: null },
    { path: "workflow_run.conclusion", value: null },
    { path: "workflow_run.triggering_actor", value: null },
    { path: "workflow_run.actor", value: undefined },
    { path: "workflow_run.run_attempt", value: undefined },
    { path: "workflow_run.run_started_at", value: undefined },
    { path: "workflow_run.repository", value: undefined },
    { path: "workflow", value: undefined },
    { path: "workflow_run.brand_new_field", value: { nested: [1, 2] } },
    { path: "enterprise", value: { id: 1 } },
  ])("accepts $path = $value (GitHub sends it, or it is not read)", ({ path, value }) => {
    const body = JSON.stringify(withField(failedRunPayload(), path, value));
    expect(githubSource.interpret(raw(body), headers())).toMatchObject({ kind: "run" });
  });
});

describe("githubSource.interpret: prototype pollution", () => {
  it.each([
    { name: "the top level", at: (run: string) => `{"__proto__":{"polluted":true},${run.slice(1)}` },
    {
      name: "workflow_run",
      at: (run: string) => run.replace('"workflow_run":{', '"workflow_run":{"__proto__":{"polluted":true},'),
    },
    {
      name: "head_commit",
      at: (run: string) => run.replace('"head_commit":{', '"head_commit":{"__proto__":{"polluted":true},'),
    },
    {
      name: "constructor.prototype",
      at: (run: string) => `{"constructor":{"prototype":{"polluted":true}},${run.slice(1)}`,
    },
  ])("a __proto__ key at $name reaches neither Object.prototype nor the event", ({ at }) => {
    const body = at(JSON.stringify(failedRunPayload()));
    expect(body).toContain("polluted");
    const result = githubSource.interpret(raw(body), headers());
    expect(result.kind).toBe("run");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
    expect(JSON.stringify(result)).not.toContain("polluted");
    if (result.kind === "run") {
      expect((result.event as unknown as Record<string, unknown>).polluted).toBeUndefined();
      expect((result.event.commit as unknown as Record<string, unknown>).polluted).toBeUndefined();
    }
  });
});

describe("githubSource end to end with a signed fixture", () => {
  it("verifies and interprets a form-encoded failed run", async () => {
    const body = form({
      payload: JSON.stringify(failedRunPayload({ repo: "acme/site-9", runId: 5, attempt: 2 })),
    });
    const h = headers("workflow_run", "application/x-www-form-urlencoded");
    h.set("x-hub-signature-256", await signGithub(SECRET, body));
    await expect(githubSource.verify(raw(body), h, [SECRET], anyConfig)).resolves.toBe(true);
    expect(githubSource.interpret(raw(body), h)).toMatchObject({
      kind: "run",
      event: { repository: "acme/site-9", runId: 5, attempt: 2, outcome: "failure" },
    });
  });
});

describe("githubRequest fixture through readBody, verify and interpret", () => {
  it.each(["json", "form"] as const)(
    "a signed %s delivery is read, verified and interpreted",
    async (encoding) => {
      const req = await githubRequest({
        payload: failedRunPayload({ repo: "acme/site-3", runId: 11, conclusion: "timed_out" }),
        secret: SECRET,
        encoding,
        delivery: "d-1",
      });
      const body = await readBody(req, 1_048_576);
      expect(githubSource.deliveryId(req.headers, body)).toBe("d-1");
      await expect(githubSource.verify(body, req.headers, ["new-secret", SECRET], anyConfig)).resolves.toBe(
        true,
      );
      expect(githubSource.interpret(body, req.headers)).toMatchObject({
        kind: "run",
        event: { repository: "acme/site-3", runId: 11, outcome: "timed_out" },
      });
    },
  );
});
