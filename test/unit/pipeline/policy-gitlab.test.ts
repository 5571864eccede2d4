import { describe, expect, it } from "vitest";
import { gitlabEvent } from "../../../samples/events.ts";
import { loadConfig } from "../../../src/config.ts";
import { classify } from "../../../src/pipeline/policy.ts";

const config = loadConfig({});

describe("classify (policy), GitLab pipelines", () => {
  it.each([
    ["failure", "failure"],
    ["success", "success"],
    ["cancelled", "ignored"],
    ["skipped", "ignored"],
    ["unknown", "ignored"],
  ])("outcome %s → %s", (outcome, kind) => {
    expect(classify(gitlabEvent({ outcome }), config).kind).toBe(kind);
  });

  it("a failed pipeline notifies whatever NOTIFY_CONCLUSIONS says (that variable is about GitHub)", () => {
    expect(classify(gitlabEvent(), loadConfig({ NOTIFY_CONCLUSIONS: "timed_out" })).kind).toBe("failure");
  });

  it("says why a cancelled pipeline stays silent", () => {
    expect(classify(gitlabEvent({ outcome: "cancelled" }), config)).toEqual({
      kind: "ignored",
      reason: expect.stringContaining("stays silent"),
    });
  });
});
