import { RequestError } from "@octokit/request-error";
import { describe, expect, it } from "vitest";
import { answered, nextCursor } from "../../../src/redelivery/github-api.ts";

describe("nextCursor", () => {
  it.each([
    [undefined, null],
    ['<https://api.github.com/orgs/a/hooks/1/deliveries?per_page=100&cursor=v1_123>; rel="next"', "v1_123"],
    [
      '<https://api.github.com/x?cursor=v1_9>; rel="prev", <https://api.github.com/x?per_page=100&cursor=v1_7>; rel="next"',
      "v1_7",
    ],
    ['<https://api.github.com/x?cursor=v1_9>; rel="prev"', null],
  ])("%s → %s", (link, cursor) => {
    expect(nextCursor(link)).toBe(cursor);
  });
});

describe("answered", () => {
  const request = { method: "GET", url: "https://api.github.com/x", headers: {} } as const;

  it("is GitHub's error answer", () => {
    const error = new RequestError("Bad credentials", 401, {
      request,
      response: { status: 401, url: request.url, headers: {}, data: {} },
    });
    expect(answered(error)?.status).toBe(401);
  });

  it("is null when no answer came (octokit's status 500 without a response), or for any other error", () => {
    expect(answered(new RequestError("fetch failed", 500, { request }))).toBeNull();
    expect(answered(Object.assign(new Error("look-alike"), { status: 404, response: {} }))).toBeNull();
  });
});
