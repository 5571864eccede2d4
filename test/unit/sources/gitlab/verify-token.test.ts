import { describe, expect, it } from "vitest";
import { GITLAB_PREVIOUS_TOKEN, GITLAB_TEST_TOKEN } from "../../../../samples/gitlab.ts";
import { verifyToken } from "../../../../src/sources/gitlab/verify-token.ts";

describe("verifyToken (X-Gitlab-Token)", () => {
  it.each<[string, string | null, boolean]>([
    ["the current token", GITLAB_TEST_TOKEN, true],
    ["the previous token (rotation)", GITLAB_PREVIOUS_TOKEN, true],
    ["a wrong token", "not-the-token", false],
    ["the token with a trailing space", `${GITLAB_TEST_TOKEN} `, false],
    ["a prefix of the token", GITLAB_TEST_TOKEN.slice(0, -1), false],
    ["the token in another case", GITLAB_TEST_TOKEN.toUpperCase(), false],
    ["an empty header", "", false],
    ["no header", null, false],
    ["a very long header", "x".repeat(100_000), false],
  ])("%s → %s", (_what, header, expected) => {
    expect(verifyToken([GITLAB_TEST_TOKEN, GITLAB_PREVIOUS_TOKEN], header)).toBe(expected);
  });

  it("accepts the previous token only while it is configured", () => {
    expect(verifyToken([GITLAB_TEST_TOKEN], GITLAB_PREVIOUS_TOKEN)).toBe(false);
  });

  it("compares whole tokens, whatever their characters (non-ASCII)", () => {
    expect(verifyToken(["jeton-été-🔑"], "jeton-été-🔑")).toBe(true);
    expect(verifyToken(["jeton-été-🔑"], "jeton-ete-🔑")).toBe(false);
  });

  it("throws when asked without a token, or with an empty one (the route fails closed before)", () => {
    expect(() => verifyToken([], "anything")).toThrow(TypeError);
    expect(() => verifyToken([""], "")).toThrow(TypeError);
  });
});
