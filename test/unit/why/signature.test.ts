import { describe, expect, it } from "vitest";
import { selectExcerpt } from "../../../src/why/select-excerpt.ts";
import { errorSignature, normaliseErrorLine } from "../../../src/why/signature.ts";
import { fixtureLog } from "./logs.ts";

const keyOf = (name: string): string => selectExcerpt(fixtureLog(name))?.key ?? "";

describe("errorSignature", () => {
  it("the same theme error on two GitHub sites and a GitLab project is one signature", () => {
    const a = errorSignature(keyOf("github-hugo.log"), "acme/site-a");
    const b = errorSignature(keyOf("github-hugo-site-b.log"), "acme/site-b");
    const c = errorSignature(keyOf("gitlab-hugo.trace"), "acme/sites/site-f");
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it("different errors are different signatures", () => {
    const signatures = new Set(
      [
        "github-hugo.log",
        "github-npm.log",
        "github-rsync.log",
        "github-upload-http.log",
        "gitlab-sftp.trace",
      ].map((name) => errorSignature(keyOf(name), "acme/site-a")),
    );
    expect(signatures.size).toBe(5);
    expect(errorSignature('partial "partials/header" not found')).not.toBe(
      errorSignature('partial "partials/footer" not found'),
    );
  });

  it.each([
    ["workspace paths", "/home/runner/work/site-a/site-a/layouts/x.html", null, "<ws>/layouts/x.html"],
    ["Netlify's build dir", "/opt/build/repo/layouts/x.html", null, "<ws>/layouts/x.html"],
    [
      "GitLab's builds dir",
      "/builds/acme/sites/site-f/layouts/x.html",
      "acme/sites/site-f",
      "<ws>/layouts/x.html",
    ],
    [
      "the site's own name",
      "cannot deploy site-a to site-a.example.org",
      "acme/site-a",
      "cannot deploy <site> to <site>.example.org",
    ],
    [
      "not inside another word",
      "deploy app failed in application",
      "acme/app",
      "deploy <site> failed in application",
    ],
    ["URLs", "GET https://api.example/v1/sites/42?token=x failed", null, "get <url> failed"],
    [
      "durations",
      "timed out after 12.5s (450 ms, 2m)",
      null,
      "timed out after <duration> (<duration>, <duration>)",
    ],
    [
      "hashes and ids",
      "commit 3f1c2a9 upload 7f9c2e4a-1b3d-4c5e-8f7a-9b0c1d2e3f4a",
      null,
      "commit <hash> upload <id>",
    ],
    ["times", "at 2026-12-07T10:00:00Z", null, "at <time>"],
    ["sizes", "file too large: 48.2 MB", null, "file too large: <size>"],
    ["numbers", "exit code 137 at line 12:7", null, "exit code <n> at line <n>:<n>"],
    ["quoted absolute paths", 'render of "/posts/hello" failed', null, 'render of "<path>" failed'],
  ])("replaces %s", (_name, line, site, normalised) => {
    expect(normaliseErrorLine(line, site)).toBe(normalised);
  });

  it("is null for nothing", () => {
    expect(errorSignature(null)).toBeNull();
    expect(errorSignature("   ")).toBeNull();
  });
});
