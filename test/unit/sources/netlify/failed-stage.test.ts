import { describe, expect, it } from "vitest";
import { MAX_FAILED_AT_TEXT } from "../../../../src/failed-at.ts";
import { failedStage, NETLIFY_BUILD } from "../../../../src/sources/netlify/failed-stage.ts";
import { errorSignature } from "../../../../src/why/signature.ts";

const LOGS = "https://app.netlify.com/sites/acme-docs/deploys/674a1f3c9b2e4d0008c1a2b3";
const stageAndError = (message: string | null) => {
  const job = failedStage(message, LOGS)?.jobs[0];
  return job ? [job.step, job.error] : null;
};

describe("failedStage", () => {
  it.each([
    [
      "Failed during stage 'building site': Build script returned non-zero exit code: 2",
      "building site",
      "Build script returned non-zero exit code: 2",
    ],
    [
      "Failed during stage 'deploying site': Deploy did not succeed: Deploy directory 'public' does not exist",
      "deploying site",
      "Deploy did not succeed: Deploy directory 'public' does not exist",
    ],
    [
      "Failed during stage 'preparing repo': fatal: repository not found: exit status 128",
      "preparing repo",
      "fatal: repository not found: exit status 128",
    ],
    [
      "Failed during stage 'Install dependencies': dependency_installation script returned non-zero exit code: 1",
      "Install dependencies",
      "dependency_installation script returned non-zero exit code: 1",
    ],
    // Zulip's 2018 fixture deploy_failed.json: lowercase.
    [
      "failed during stage 'building site': Build script returned non-zero exit code: 1",
      "building site",
      "Build script returned non-zero exit code: 1",
    ],
    // No stage: the message is the error.
    ["Timeout", null, "Timeout"],
    ["Skipped due to account credit usage exceeded", null, "Skipped due to account credit usage exceeded"],
    ["Failed during stage 'building site':", "building site", null],
  ])("%s → stage %s", (message, stage, error) => {
    expect(stageAndError(message)).toEqual([stage, error]);
  });

  it("is one Netlify build job linked to the deploy log", () => {
    expect(failedStage("Failed during stage 'building site': x", LOGS)).toEqual({
      jobs: [
        {
          name: NETLIFY_BUILD,
          stage: null,
          url: LOGS,
          step: "building site",
          error: "x",
          signature: errorSignature("x"),
        },
      ],
    });
  });

  it("is null without a message", () => {
    expect(failedStage(null, LOGS)).toBeNull();
    expect(failedStage("  ", LOGS)).toBeNull();
  });

  it("bounds the error to one line of MAX_FAILED_AT_TEXT characters", () => {
    const job = failedStage(`Failed during stage 'building site': line one\n${"😀".repeat(500)}`, LOGS)
      ?.jobs[0];
    expect(job?.error?.includes("\n")).toBe(false);
    expect(Array.from(job?.error ?? "")).toHaveLength(MAX_FAILED_AT_TEXT);
    expect(job?.error?.endsWith("…")).toBe(true);
  });
});
