import { describe, expect, it } from "vitest";
import { GithubApiError } from "../../../src/doctor/workflows-api.ts";
import { VigieError } from "../../../src/errors.ts";
import { STATUS_OF, toResponse } from "../../../src/http/errors.ts";
import {
  CrossOriginError,
  ResponseTooLargeError,
  TooManyRedirectsError,
} from "../../../src/net/same-origin-fetch.ts";
import { MentionError } from "../../../src/routing/mentions.ts";
import { RouteError } from "../../../src/routing/routes.ts";
import { UnexpectedAnswerError } from "../../../src/setup/api-answers.ts";
import { MissingSetting, UsageError } from "../../../src/setup/cli.ts";
import { GitlabApiError, ListingTooLongError } from "../../../src/setup/gitlab-api.ts";
import { NetlifyApiError } from "../../../src/setup/netlify-api.ts";

const here = new URL("https://api.example");
const errors: Array<[string, VigieError]> = [
  ["RouteError", new RouteError(1, "x", "bad")],
  ["MentionError", new MentionError("bad")],
  ["GitlabApiError", new GitlabApiError(500, "GET /x", "provider text")],
  ["ListingTooLongError", new ListingTooLongError("/x", 100)],
  ["NetlifyApiError", new NetlifyApiError(500, "GET /x", "provider text")],
  ["GithubApiError", new GithubApiError(500, "provider text")],
  ["UnexpectedAnswerError", new UnexpectedAnswerError("GET /x")],
  ["UsageError", new UsageError("bad")],
  ["MissingSetting", new MissingSetting("X is unset")],
  ["CrossOriginError", new CrossOriginError("a redirect", here, new URL("https://other.example"))],
  ["TooManyRedirectsError", new TooManyRedirectsError(5)],
  ["ResponseTooLargeError", new ResponseTooLargeError("https://api.example/x", 10)],
];

describe("every error class is a VigieError with a code", () => {
  it.each(errors)("%s", (name, error) => {
    expect(error).toBeInstanceOf(VigieError);
    expect(error.name).toBe(name);
    expect(STATUS_OF[error.code]).toBeGreaterThanOrEqual(500);
  });

  it("an upstream error's text never reaches an HTTP answer", async () => {
    const body = await toResponse(new GitlabApiError(500, "GET /x", "provider text")).text();
    expect(body).not.toContain("provider text");
    expect(JSON.parse(body)).toMatchObject({ code: "api_answered" });
  });
});
