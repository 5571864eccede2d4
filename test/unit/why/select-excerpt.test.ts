import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EXCERPT_LINE_MAX,
  EXCERPT_MAX_CHARS,
  EXCERPT_MAX_LINES,
  selectExcerpt,
} from "../../../src/why/select-excerpt.ts";
import { fixtureLog, hugeGithubLog } from "./logs.ts";

const excerptOf = (name: string) => {
  const excerpt = selectExcerpt(fixtureLog(name));
  if (excerpt === null) throw new Error(`no excerpt for ${name}`);
  return excerpt;
};

const withinBounds = (lines: readonly string[]) => {
  expect(lines.length).toBeLessThanOrEqual(EXCERPT_MAX_LINES);
  for (const line of lines) expect(Array.from(line).length).toBeLessThanOrEqual(EXCERPT_LINE_MAX);
  expect(lines.join("\n").length).toBeLessThanOrEqual(EXCERPT_MAX_CHARS);
};

describe("selectExcerpt over real-shaped logs", () => {
  it("GitHub + Hugo: the failed step's template error, no timestamps, no ANSI, no step header or post step", () => {
    const { lines, key } = excerptOf("github-hugo.log");
    withinBounds(lines);
    expect(key).toMatch(/^ERROR render of "\/posts\/hello" failed: .*partial "partials\/header" not found$/);
    expect(lines.some((line) => line.startsWith("Error: error building site"))).toBe(true);
    const text = lines.join("\n");
    expect(text).not.toMatch(/2026-12-07T/);
    expect(text).not.toContain("\u001b");
    // The step's header group (script, shell, env) and the runner's generic closing line are not output.
    expect(text).not.toMatch(
      /shell: |HUGO_ENVIRONMENT|Process completed with exit code|Post job cleanup|git version/,
    );
  });

  it("npm: the 404 that explains it, not `code E404` or the debug log path", () => {
    const { lines, key } = excerptOf("github-npm.log");
    withinBounds(lines);
    expect(key).toBe(
      "npm error 404 Not Found - GET https://registry.npmjs.org/@acme%2ftheme-utils - Not found",
    );
    expect(lines).toContain("npm error 404  '@acme/theme-utils@^2.3.0' is not in this registry.");
    expect(lines.join("\n")).not.toContain("A complete log of this run");
  });

  it("yarn + Node: the template error and a stack's first frame only, not yarn's closing lines", () => {
    const { lines } = excerptOf("github-yarn-node.log");
    withinBounds(lines);
    expect(lines.join("\n")).toContain("Error: template not found: partials/header.njk");
    expect(lines.filter((line) => /^\s+at /.test(line))).toHaveLength(1);
    expect(lines.join("\n")).not.toMatch(/error Command failed|yarnpkg\.com|CONTENTFUL_TOKEN/);
  });

  it("rsync over ssh: the failed upload step, not the build step before it", () => {
    const { lines } = excerptOf("github-rsync.log");
    expect(lines.join("\n")).toContain("Permission denied (publickey)");
    expect(lines.join("\n")).toContain("rsync error: unexplained error (code 255)");
    expect(lines.join("\n")).not.toContain("Total in 842 ms");
  });

  it("an HTTP upload: the 503, a progress bar in its last state, credentials in URLs masked", () => {
    const { lines } = excerptOf("github-upload-http.log");
    const text = lines.join("\n");
    expect(text).toContain("503 Service Unavailable");
    expect(text).toContain("100 48.2M");
    expect(text).not.toContain(" 12 48.2M");
    expect(text).not.toContain("s3cr3tPassw0rd");
    expect(text).toContain("https://***@upload.hosting.example/api/retry");
  });

  it("GitLab: the failed section's error, ANSI colours and section markers gone", () => {
    const { lines, key } = excerptOf("gitlab-hugo.trace");
    withinBounds(lines);
    expect(key).toMatch(/^ERROR render of "\/about" failed: .*partial "partials\/header" not found$/);
    const text = lines.join("\n");
    expect(text).not.toMatch(/section_(?:start|end)|\[0K|Job failed: exit code/);
    expect(text).not.toContain(String.fromCharCode(27));
  });

  it("GitLab: a nested section's failure, not upload_artifacts_on_failure after it; runner timestamps gone", () => {
    const { lines, key } = excerptOf("gitlab-sftp.trace");
    expect(key).toBe("mirror: Fatal error: max-retries exceeded");
    expect(lines).toContain("lftp: sftp://ftp.hosting.example: Login failed: Login incorrect");
    expect(lines.join("\n")).not.toMatch(/No files to upload|2026-12-07T12|\b0[01][OE] /);
  });

  it("GitLab: a script that fails without a word shows its section's last lines, not the runner's verdict", () => {
    const esc = String.fromCharCode(27);
    const trace = [
      `section_start:1:step_script\r${esc}[0KExecuting "step_script" stage of the job script`,
      "$ ./deploy.sh",
      "uploading 12 files",
      "section_end:2:step_script\r",
      `${esc}[31;1mERROR: Job failed: exit code 3${esc}[0;m`,
    ].join("\n");
    expect(selectExcerpt(trace)?.lines).toEqual([
      'Executing "step_script" stage of the job script',
      "$ ./deploy.sh",
      "uploading 12 files",
    ]);
  });

  it("without any error line: the failed step's last lines", () => {
    const log = [
      "##[group]Run ./deploy.sh",
      "##[endgroup]",
      ...Array.from({ length: 30 }, (_, i) => `step ${i}`),
    ]
      .map((line) => `2026-12-07T10:00:00.0000000Z ${line}`)
      .join("\n");
    const excerpt = selectExcerpt(log);
    expect(excerpt?.lines).toEqual(Array.from({ length: 12 }, (_, i) => `step ${i + 18}`));
    expect(excerpt?.key).toBe("step 29");
  });

  it("an empty log, or one of blank lines and markers only, has no excerpt", () => {
    expect(selectExcerpt("")).toBeNull();
    expect(selectExcerpt("\n\n##[group]Run x\n##[endgroup]\n\r\n")).toBeNull();
  });

  it("hostile text: secrets masked, controls and bidi overrides removed (escaping is the message's job)", () => {
    const text = excerptOf("hostile.log").lines.join("\n");
    expect(text).not.toMatch(/ghp_|glpat-|xoxb-|AKIA|github_pat_|Zx9Qm2Lp7Vt4Rk8Wn3Yb6Hc1Jd5Fg0Se/);
    for (const code of [0, 7, 0x202a, 0x202c, 0x202e]) expect(text).not.toContain(String.fromCharCode(code));
    expect(text).toContain("<!channel>");
  });
});

describe("selectExcerpt is bounded", () => {
  it("a 20 MB log: only its tail is read, the error at its end is found", () => {
    const log = hugeGithubLog(20);
    expect(log.length).toBeGreaterThan(20 * 1024 * 1024);
    const excerpt = selectExcerpt(log);
    expect(excerpt?.key).toMatch(/^ERROR render of/);
  });

  it("lines of 100 KB: the key error line wrapped on three lines, others cut, a secret beyond the cut never shows", () => {
    const long = `Error: ${"x".repeat(100_000)} ghp_abcdefghijklmnopqrstuvwxyz0123456789`;
    const excerpt = selectExcerpt(`${long}\n${"y".repeat(100_000)}\n`);
    const lines = excerpt?.lines ?? [];
    withinBounds(lines);
    expect(lines).toHaveLength(4);
    expect(lines[0]?.startsWith("Error: xxx")).toBe(true);
    expect(lines[1]?.startsWith("  xxx")).toBe(true);
    expect(lines[2]?.endsWith("…")).toBe(true);
    expect(lines[3]).toBe(`${"y".repeat(199)}…`);
    expect(lines.join("")).not.toContain("ghp_");
  });

  // A guard against patterns that backtrack (quadratic on long runs): before they were bounded, the first
  // of these took seconds. No time is asserted; the test's own timeout is the bound.
  it.each([
    ["a.a.a.", "a.".repeat(50_000)],
    ["AAAA", "A".repeat(100_000)],
    ["Ab1Ab1", "Ab1".repeat(30_000)],
    ["OSC starts", "\u001b]".repeat(50_000)],
    ["quoted slashes", '"/'.repeat(50_000)],
  ])("pathological lines (%s, 100 KB each, 2 MB in all) are read through", (_name, line) => {
    const excerpt = selectExcerpt(`${line}\n`.repeat(20));
    withinBounds(excerpt?.lines ?? []);
  });

  it("whatever the log, at most 12 lines of 200 characters, 1,500 in all, none empty", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 400 }),
            fc.constantFrom(
              "##[error]boom",
              "##[group]Run x",
              "##[endgroup]",
              "Error: failed",
              "section_start:1:step_script\r\u001b[0K",
            ),
          ),
          { maxLength: 80 },
        ),
        (lines) => {
          const excerpt = selectExcerpt(lines.join("\n"));
          if (excerpt === null) return;
          withinBounds(excerpt.lines);
          expect(excerpt.lines.every((line) => line.trim() !== "")).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
