import { describe, expect, it } from "vitest";
import { type RerunCredentials, rerun } from "../../../src/rerun/rerun.ts";

const creds: RerunCredentials = {
  github: { token: "ghp_secretToken0001", apiUrl: "https://gh.test" },
  gitlab: { token: "glpat-secret0002", apiUrl: "https://gl.test/api/v4" },
  netlify: { token: "nfp_secret0003", apiUrl: "https://nf.test/api/v1" },
};
const github = { source: "github" as const, repository: "acme/site-1", runId: 55 };

const answering = (status: number, body: unknown = {}, seen: RequestInit[] = []) =>
  (async (_url: string | URL | Request, init?: RequestInit) => {
    seen.push(init ?? {});
    return new Response(JSON.stringify(body), { status });
  }) as typeof fetch;

describe("rerun", () => {
  it.each([
    [401, "GITHUB_TOKEN is invalid or expired"],
    [403, "GITHUB_TOKEN needs Actions: write on acme/site-1 (run 55)"],
    [404, "GitHub has no such run in acme/site-1 (run 55)"],
    [422, "GitHub refused (422)"],
  ])("words a GitHub %i", async (status, words) => {
    const result = await rerun(github, creds, { fetch: answering(status) });
    expect(result).toMatchObject({ kind: "refused", status });
    expect(result.text).toContain(words);
  });

  it("a 403 that is not about permissions is quoted, not taken for a missing permission", async () => {
    const result = await rerun(github, creds, {
      fetch: answering(403, {
        message: "Unable to retry this workflow run because it was created over a month ago",
      }),
    });
    expect(result.text).toBe(
      "GitHub refused (403) (GitHub said: Unable to retry this workflow run because it was created over a month ago)",
    );
  });

  it("quotes the provider's message without the token", async () => {
    const result = await rerun(github, creds, {
      fetch: answering(403, { message: "token ghp_secretToken0001 lacks\nActions: write" }),
    });
    expect(result.text).toContain("(GitHub said: token [token] lacks Actions: write)");
    expect(result.text).not.toContain("ghp_secretToken0001");
  });

  it("never follows a redirect with the token", async () => {
    const seen: RequestInit[] = [];
    const result = await rerun(github, creds, { fetch: answering(302, {}, seen) });
    expect(seen[0]?.redirect).toBe("manual");
    expect(result).toMatchObject({ kind: "refused", status: 302 });
  });

  it.each([500, 502, 429])("a %i is a failure worth trying again", async (status) => {
    expect((await rerun(github, creds, { fetch: answering(status) })).kind).toBe("failed");
  });

  it("a network error or a timeout is a failure, in words", async () => {
    const down = (async () => {
      throw new TypeError("fetch failed");
    }) as typeof fetch;
    expect(await rerun(github, creds, { fetch: down })).toMatchObject({
      kind: "failed",
      text: "GitHub could not be reached",
    });
    const slow = ((_u: string | URL | Request, init?: RequestInit) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      })) as typeof fetch;
    expect(await rerun(github, creds, { fetch: slow, timeoutMs: 20 })).toMatchObject({
      kind: "failed",
      text: expect.stringContaining("did not answer"),
    });
  });

  it("refuses without a token, and a Netlify deploy other than production, without calling anyone", async () => {
    const seen: RequestInit[] = [];
    const fetch = answering(201, {}, seen);
    expect((await rerun(github, { ...creds, github: null }, { fetch })).text).toBe(
      "GITHUB_TOKEN is not set: vigie cannot re-run GitHub runs",
    );
    expect(
      (await rerun({ source: "netlify", siteId: "s", production: false }, creds, { fetch })).text,
    ).toContain("only production deploys");
    expect(seen).toEqual([]);
  });

  it("GitLab and Netlify: accepted in words, tokens in their own headers", async () => {
    const seen: RequestInit[] = [];
    const gl = await rerun({ source: "gitlab", projectId: 4, pipelineId: 9 }, creds, {
      fetch: answering(201, {}, seen),
    });
    expect(gl).toEqual({
      kind: "accepted",
      text: "GitLab is running the failed jobs of project 4 (pipeline 9) again",
    });
    expect(new Headers(seen[0]?.headers).get("private-token")).toBe("glpat-secret0002");
    const nf = await rerun({ source: "netlify", siteId: "s-1", production: true }, creds, {
      fetch: answering(200, {}, seen),
    });
    expect(nf).toEqual({ kind: "accepted", text: "Netlify started a new production build of site s-1" });
    expect(new Headers(seen[1]?.headers).get("authorization")).toBe("Bearer nfp_secret0003");
    const refused = await rerun({ source: "gitlab", projectId: 4, pipelineId: 9 }, creds, {
      fetch: answering(403),
    });
    expect(refused.text).toContain("GITLAB_TOKEN needs the api scope");
  });
});
