import { describe, expect, it } from "vitest";
import {
  BadRequestError,
  ConfigError,
  PayloadTooLargeError,
  SecretMissingError,
  SignatureInvalidError,
  StoreUnavailableError,
  VigieError,
} from "../../../src/errors.ts";
import { methodNotAllowed, toResponse } from "../../../src/http/errors.ts";

const answer = async (error: unknown) => {
  const response = toResponse(error);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe("domain errors", () => {
  it("carry a code, a cause and their class name, and know no HTTP status", () => {
    const cause = new Error("socket hang up");
    const error = new StoreUnavailableError("get", cause);
    expect(error).toBeInstanceOf(VigieError);
    expect(error).toMatchObject({ name: "StoreUnavailableError", code: "store_unavailable", cause });
    expect("status" in error).toBe(false);
  });
});

describe("toResponse", () => {
  it.each([
    [new ConfigError("SLACK_WEBHOOK_URL", "must be an http(s) URL"), 500, "config_invalid"],
    [new SecretMissingError("GITHUB_WEBHOOK_SECRET"), 500, "secret_missing"],
    [new PayloadTooLargeError(10), 413, "payload_too_large"],
    [new SignatureInvalidError(), 401, "signature_invalid"],
    [new BadRequestError("missing X-GitHub-Event header"), 400, "bad_request"],
    [new StoreUnavailableError("set"), 503, "store_unavailable"],
  ])("%s → %i %s", async (error, status, code) => {
    expect(await answer(error)).toMatchObject({ status, body: { status: "error", code } });
  });

  // Issue 13: the 500 answer carried `got "abc"`, because the rendered text was `message`.
  it("renders the public message only: a rejected value stays in the log", async () => {
    const error = new ConfigError("REMINDER_HOURS", 'must be a whole number ≥ 0, got "abc"');
    const { body } = await answer(error);
    expect(body.reason).toBe("REMINDER_HOURS is invalid; the function log says why");
    expect(JSON.stringify(body)).not.toContain("abc");
    expect(error.message).toContain('"abc"');
  });

  it("turns anything else into a plain 500 without its details", async () => {
    const { status, body } = await answer(new Error("secret detail"));
    expect(status).toBe(500);
    expect(body).toEqual({ status: "error", code: "internal", reason: "internal error" });
  });

  it("answers 405 with the allowed methods", async () => {
    const response = methodNotAllowed("GET");
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET");
  });
});
