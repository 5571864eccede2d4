import { RequestError } from "@octokit/request-error";
import { describe, expect, it } from "vitest";
import { answerHint, CONFIG_ERROR_PAUSE_MS, explain } from "../../../src/redelivery/explain.ts";
import { T0 } from "../clock.ts";

const settings = { token: "ghp_x", org: "acme", hookId: 7, apiUrl: "https://api.github.com" };
const MINUTE = 60_000;

const answer = (status: number, message: string, headers: Record<string, string> = {}) =>
  new RequestError(message, status, {
    request: { method: "GET", url: "https://api.github.com/orgs/acme/hooks/7/deliveries", headers: {} },
    response: { status, url: "https://api.github.com/", headers, data: { message } },
  });

describe("explain", () => {
  it.each<[string, RequestError, string, number | null]>([
    ["401", answer(401, "Bad credentials"), "admin:org_hook", T0 + CONFIG_ERROR_PAUSE_MS],
    ["403", answer(403, "Must have admin rights"), "owner of GITHUB_ORG", T0 + CONFIG_ERROR_PAUSE_MS],
    [
      "404",
      answer(404, "Not Found"),
      'GITHUB_HOOK_ID 7 not found in GITHUB_ORG "acme"',
      T0 + CONFIG_ERROR_PAUSE_MS,
    ],
    ["502", answer(502, "Bad Gateway"), "GitHub API error (502)", null],
    ["422", answer(422, "Validation Failed"), "GitHub refused the request (422)", null],
    [
      "429 with Retry-After",
      answer(429, "Too many", { "retry-after": "120" }),
      "rate limit",
      T0 + 2 * MINUTE,
    ],
    [
      "403 with the limit spent, until the reset",
      answer(403, "API rate limit exceeded", {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String((T0 + 30 * MINUTE) / 1000),
      }),
      "rate limit",
      T0 + 30 * MINUTE,
    ],
    [
      "a rate limit without a time: one minute",
      answer(403, "secondary rate limit"),
      "rate limit",
      T0 + MINUTE,
    ],
    [
      "a rate limit of a day: one hour at most",
      answer(429, "Too many", { "retry-after": "86400" }),
      "rate limit",
      T0 + 60 * MINUTE,
    ],
  ])("%s: names what to check, pauses as needed", (_name, error, says, pauseUntil) => {
    const problem = explain(error, settings, T0, "listing");
    expect(problem.message).toContain(says);
    expect(problem.pauseUntil).toBe(pauseUntil);
    expect(problem.fields).toMatchObject({ org: "acme", hookId: 7, status: error.status });
  });

  it("no answer: unreachable, tried again next sweep", () => {
    const error = new RequestError("fetch failed", 500, {
      request: { method: "GET", url: "https://api.github.com/", headers: {} },
    });
    const problem = explain(error, settings, T0, "listing");
    expect(problem.message).toContain("GitHub API unreachable");
    expect(problem.pauseUntil).toBeNull();
  });
});

describe("answerHint", () => {
  it.each<[number | null, string]>([
    [401, "GITHUB_WEBHOOK_SECRET does not match"],
    [413, "MAX_BODY_BYTES"],
    [400, "expected shape"],
    [500, "GITHUB_WEBHOOK_SECRET unset?"],
    [503, "vigie answered 503"],
    [null, "did not answer in time"],
  ])("vigie answered %s → %s", (status, hint) => {
    expect(answerHint(status)).toContain(hint);
  });
});
