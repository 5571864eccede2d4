/** GitLab payload → event → Slack message: what a reader sees, and that no payload string is live mrkdwn. */
import { describe, expect, it } from "vitest";
import { build, failedBuildPipeline, failedDeployPipeline, tagPipeline } from "../../../../samples/gitlab.ts";
import type { FailureEvent, GitlabPipelineEvent } from "../../../../src/event.ts";
import { formatFailure, formatRecovery, validateMessage } from "../../../../src/slack/format.ts";
import { linkButtons, type SlackMessage } from "../../../../src/slack/message.ts";
import { normalisePipeline } from "../../../../src/sources/gitlab/normalise.ts";
import { pipelinePayloadSchema } from "../../../../src/sources/gitlab/schema.ts";

const HOSTILE = "<!channel> <!here> <@U024BE7LH> <https://evil.test|click me> & <!date^1^{date}|x>";

const eventOf = (payload: unknown): GitlabPipelineEvent => {
  const result = normalisePipeline(pipelinePayloadSchema().parse(payload));
  if (result.kind !== "run" || result.event.source !== "gitlab") throw new Error("not a run");
  return result.event;
};
const failure = (payload: unknown) => formatFailure(eventOf(payload) as GitlabPipelineEvent & FailureEvent);

const texts = (message: SlackMessage): string[] => [
  message.text,
  ...message.blocks.flatMap((block) => {
    if (block.type === "header") return [block.text.text];
    if (block.type === "section") return [block.text?.text ?? "", ...(block.fields ?? []).map((f) => f.text)];
    if (block.type === "context") return block.elements.map((e) => e.text);
    if (block.type === "actions") return linkButtons(block).map((e) => `${e.text.text} ${e.url}`);
    return [];
  }),
];
const all = (message: SlackMessage) => texts(message).join("\n");

describe("GitLab messages", () => {
  it("a failed build names the project, branch, pipeline, commit, who, and the failed job with its stage", () => {
    const message = failure(failedBuildPipeline({ name: "Build and deploy" }));
    expect(validateMessage(message)).toEqual([]);
    const text = all(message);
    expect(text).toContain("Build and deploy failed: acme/sites/docs");
    expect(text).toContain("*Project*\n<https://gitlab.com/acme/sites/docs|acme/sites/docs>");
    expect(text).toContain("*Branch*\nmain");
    expect(text).toContain("*Pipeline*\nBuild and deploy");
    expect(text).toContain("bcbb5ec");
    expect(text).toContain("*Triggered by*\nada");
    expect(text).toContain(
      "*Failed at*\n<https://gitlab.com/acme/sites/docs/-/jobs/9001|build › hugo>\n```script_failure```",
    );
    expect(text).toContain("on push");
    expect(text).toContain("View logs https://gitlab.com/acme/sites/docs/-/pipelines/1203117");
  });

  it("a failed upload reads differently from a failed build", () => {
    expect(all(failure(failedDeployPipeline()))).toContain("|deploy › upload>\n```runner_system_failure```");
  });

  it("a tag pipeline shows the tag, not a branch", () => {
    const text = all(failure(tagPipeline()));
    expect(text).toContain("*Tag*\nv2.4.0");
    expect(text).not.toContain("*Branch*");
  });

  it("a recovery names the pipeline", () => {
    const event = {
      ...eventOf(failedBuildPipeline({ name: "Build and deploy" })),
      outcome: "success",
      failedAt: null,
    };
    const message = formatRecovery(event, { openedAt: "2026-11-27T09:00:00Z", failedRuns: 2 });
    expect(validateMessage(message)).toEqual([]);
    expect(all(message)).toContain("*Pipeline*\nBuild and deploy");
  });

  it("an unnamed pipeline reads as a GitLab pipeline, without a redundant Pipeline: pipeline field", () => {
    const text = all(failure(failedBuildPipeline()));
    expect(text).toContain("❌ GitLab pipeline failed");
    expect(text).not.toMatch(/\*Pipeline\*\npipeline/);
    expect(text).not.toMatch(/❌ pipeline failed/);
  });

  it("escapes every payload string: project, name, ref, source, commit, author, user, jobs, URLs", () => {
    const payload = failedBuildPipeline({
      project: `evil/${HOSTILE}`,
      webUrl: "javascript:alert(1)//",
      name: HOSTILE,
      ref: HOSTILE,
      source: HOSTILE,
      commitTitle: HOSTILE,
      commitMessage: `${HOSTILE}\nsecond line <!here>`,
      author: HOSTILE,
      username: HOSTILE,
      url: "javascript:alert(2)",
      builds: [build({ id: 1, stage: HOSTILE, name: HOSTILE, status: "failed", failure_reason: HOSTILE })],
    });
    const message = failure(payload);
    expect(validateMessage(message)).toEqual([]);
    // Headers and button labels are plain_text (shown as typed); the fallback and every mrkdwn text must be inert.
    const mrkdwn = [
      message.text,
      ...message.blocks.flatMap((block) =>
        block.type === "section"
          ? [block.text?.text ?? "", ...(block.fields ?? []).map((f) => f.text)]
          : block.type === "context"
            ? block.elements.map((e) => e.text)
            : [],
      ),
    ];
    for (const text of mrkdwn) {
      expect(text).not.toMatch(/<!(channel|here|everyone|subteam)|<@|<https:\/\/evil|<!date\^1\^/);
    }
    expect(all(message)).toContain("&lt;!channel&gt;");
    expect(all(message)).not.toContain("javascript:");
    expect(all(message)).not.toContain("second line");
  });
});
