import { describe, expect, it } from "vitest";
import { githubEvent, netlifyEvent } from "../../../samples/events.ts";
import { loadConfig } from "../../../src/config.ts";
import type { RunEvent } from "../../../src/event.ts";
import { classify } from "../../../src/pipeline/policy.ts";

const config = loadConfig({});

describe("classify (policy)", () => {
  it.each([
    ["failure", "failure"],
    ["timed_out", "failure"],
    ["startup_failure", "failure"],
    ["success", "success"],
    ["cancelled", "ignored"],
    ["skipped", "ignored"],
    ["stale", "ignored"],
    ["neutral", "ignored"],
    ["action_required", "ignored"],
    ["unknown", "ignored"],
  ])("GitHub conclusion %s → %s", (outcome, kind) => {
    expect(classify(githubEvent({ outcome }), config).kind).toBe(kind);
  });

  it.each(["constructor", "__proto__", "toString", "hasOwnProperty"])(
    "an outcome named %s reads no inherited property: a plain reason, a string",
    (outcome) => {
      const verdict = classify(githubEvent({ outcome }), config);
      expect(verdict).toEqual({ kind: "ignored", reason: expect.stringContaining(outcome) });
      if (verdict.kind === "ignored") expect(typeof verdict.reason).toBe("string");
    },
  );

  it("says why a cancelled run stays silent", () => {
    const verdict = classify(githubEvent({ outcome: "cancelled" }), config);
    expect(verdict).toEqual({ kind: "ignored", reason: expect.stringContaining("cancelled run") });
  });

  it("follows NOTIFY_CONCLUSIONS", () => {
    const onlyFailure = loadConfig({ NOTIFY_CONCLUSIONS: "failure" });
    expect(classify(githubEvent({ outcome: "timed_out" }), onlyFailure)).toEqual({
      kind: "ignored",
      reason: expect.stringContaining("NOTIFY_CONCLUSIONS"),
    });
    expect(classify(githubEvent({ outcome: "failure" }), onlyFailure).kind).toBe("failure");
  });

  it.each([
    ["deploy_error", "failure"],
    ["success", "success"],
    ["building", "ignored"],
  ])("Netlify outcome %s → %s", (outcome, kind) => {
    expect(classify(netlifyEvent({ outcome }), config).kind).toBe(kind);
  });

  it.each<[string, string | null, boolean]>([
    ["main", "main", true],
    ["main", "feature/x", false],
    ["main,release/*", "release/2", true],
    ["main", null, false],
  ])("BRANCHES=%s watches %s: %s", (globs, branch, watched) => {
    const filtered = loadConfig({ BRANCHES: globs });
    for (const event of [githubEvent({ branch }), netlifyEvent({ branch })] as RunEvent[]) {
      const verdict = classify(event, filtered);
      expect(verdict.kind === "ignored").toBe(!watched);
      if (!watched) expect(verdict).toMatchObject({ reason: expect.stringContaining("BRANCHES") });
    }
    // Successes are filtered too: a success on an unwatched branch closes nothing.
    expect(classify(githubEvent({ branch, outcome: "success" }), filtered).kind).toBe(
      watched ? "success" : "ignored",
    );
  });
});
