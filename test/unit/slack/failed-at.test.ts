import { describe, expect, it } from "vitest";
import { githubEvent } from "../../../samples/events.ts";
import type { FailedAt } from "../../../src/event.ts";
import { failedAt } from "../../../src/failed-at.ts";
import { failedAtSection } from "../../../src/slack/failed-at.ts";
import { SECTION_TEXT_MAX } from "../../../src/slack/format.ts";

const HOSTILE = "<!channel> <@U024BE7LH> <https://evil.test|click me> & more";

const sectionText = (value: FailedAt | null | undefined): string | null => {
  const block = failedAtSection(githubEvent({ failedAt: value }));
  if (block === null) return null;
  if (block.type !== "section" || block.text?.type !== "mrkdwn") throw new Error("not a mrkdwn section");
  return block.text.text;
};

describe("failedAtSection", () => {
  it("names stage › job (and step), linked to the job, with the short error in a code block", () => {
    const text = sectionText(
      failedAt([
        { name: "hugo", stage: "build", url: "https://gitlab.com/a/b/-/jobs/1", error: "script_failure" },
        {
          name: "Deploy",
          stage: null,
          step: "Upload to host",
          url: "https://github.com/a/b/actions/runs/1/job/2",
        },
      ]),
    );
    expect(text).toBe(
      "*Failed at*\n<https://gitlab.com/a/b/-/jobs/1|build › hugo>\n```script_failure```\n" +
        "<https://github.com/a/b/actions/runs/1/job/2|Deploy › Upload to host>",
    );
  });

  it("is absent when the source could not say (no failedAt, null, or no job)", () => {
    expect(sectionText(undefined)).toBeNull();
    expect(sectionText(null)).toBeNull();
    expect(sectionText({ jobs: [] })).toBeNull();
  });

  it("escapes every string: no mention, no forged link, from a job name, stage, step or error", () => {
    const text = sectionText(
      failedAt([
        {
          name: HOSTILE,
          stage: HOSTILE,
          step: HOSTILE,
          url: "https://gitlab.com/a/b/-/jobs/1",
          error: HOSTILE,
        },
        { name: HOSTILE, url: "javascript:alert(1)" },
      ]),
    );
    expect(text).not.toMatch(/<!channel|<@U|<https:\/\/evil/);
    expect(text).toContain("&lt;!channel&gt;");
    expect(text).not.toContain("javascript:");
  });

  it("stays within Slack's section limit with ten jobs with long URLs, saying how many more failed", () => {
    const jobs = Array.from({ length: 10 }, (_, i) => ({
      name: `job ${i} ${"n".repeat(190)}`,
      stage: "s".repeat(200),
      url: `https://gitlab.example/${"p".repeat(900)}/-/jobs/${i}`,
      error: "e".repeat(200),
    }));
    const text = sectionText(failedAt(jobs)) ?? "";
    expect(text.length).toBeLessThanOrEqual(SECTION_TEXT_MAX);
    expect(text).toMatch(/\n…and \d+ more$/);
  });
});
