import { describe, expect, it } from "vitest";
import { githubEvent, netlifyEvent } from "../../../samples/events.ts";
import type { FailedAt, FailureEvent } from "../../../src/event.ts";
import { failedAt } from "../../../src/failed-at.ts";
import { formatDigest, formatFailure, formatReminder, validateMessage } from "../../../src/slack/format.ts";
import type { SlackMessage } from "../../../src/slack/message.ts";
import { failedStage } from "../../../src/sources/netlify/failed-stage.ts";

/** Every text of a message, blocks and fallback. */
const allText = (message: SlackMessage): string =>
  [
    message.text,
    ...message.blocks.flatMap((block) => {
      if (block.type === "section")
        return [block.text?.text ?? "", ...(block.fields ?? []).map((f) => f.text)];
      if (block.type === "context") return block.elements.map((e) => e.text);
      if (block.type === "header") return [block.text.text];
      return [];
    }),
  ].join("\n");

const jobUrl = (repo: string, job: number) => `https://github.com/${repo}/actions/runs/1001/job/${job}`;

const hugoFailed = (repo = "acme/site-1", error: string | null = null): FailedAt =>
  failedAt([{ name: "Build", url: jobUrl(repo, 5001), step: "Run hugo --minify", error }]) as FailedAt;
const uploadFailed = (repo = "acme/site-1"): FailedAt =>
  failedAt([{ name: "Deploy", url: jobUrl(repo, 5002), step: "Upload to host" }]) as FailedAt;

const github = (site: string, detail: FailedAt | null): FailureEvent =>
  githubEvent({
    site,
    repository: site,
    logsUrl: `https://github.com/${site}/actions/runs/1001`,
    failedAt: detail,
  }) as FailureEvent;

describe("a failure message says what failed", () => {
  it("names the job and step, linked to the job, with the annotation's error in a code block", () => {
    const message = formatFailure(
      github(
        "acme/site-1",
        hugoFailed("acme/site-1", 'Error: error building site: TOCSS: failed to transform "main.scss"'),
      ),
    );
    expect(validateMessage(message)).toEqual([]);
    expect(allText(message)).toContain(
      `*Failed at*\n<${jobUrl("acme/site-1", 5001)}|Build › Run hugo --minify>\n` +
        '```Error: error building site: TOCSS: failed to transform "main.scss"```',
    );
    // The notification preview says it too.
    expect(message.text).toBe(
      "❌ Build and deploy failed: acme/site-1 on main, at Build › Run hugo --minify",
    );
  });

  it("without detail (no token, GitHub down): the message is as before, with no Failed at line", () => {
    const message = formatFailure(github("acme/site-1", null));
    expect(allText(message)).not.toContain("Failed at");
    expect(message.text).toBe("❌ Build and deploy failed: acme/site-1 on main");
  });

  it("a Netlify failure names its stage and error once, not again as a Netlify error", () => {
    const detail = "Failed during stage 'building site': Build script returned non-zero exit code: 2";
    const event = netlifyEvent({
      detail,
      failedAt: failedStage(detail, "https://app.netlify.com/sites/acme-site-1/deploys/1"),
    }) as FailureEvent;
    const text = allText(formatFailure(event));
    expect(text).toContain(
      "*Failed at*\n<https://app.netlify.com/sites/acme-site-1/deploys/1|Netlify build › building site>\n" +
        "```Build script returned non-zero exit code: 2```",
    );
    expect(text).not.toContain("Netlify error");
  });

  it("a Netlify event stored before failedAt existed still shows its error", () => {
    const text = allText(formatFailure(netlifyEvent({ failedAt: undefined }) as FailureEvent));
    expect(text).toContain("*Netlify error*\n```Build script returned non-zero exit code: 2```");
  });

  it("a reminder says what failed too", () => {
    const message = formatReminder(
      github("acme/site-1", uploadFailed()),
      {
        openedAt: "2026-11-26T10:00:00Z",
        failedRuns: 3,
        lastFailureAt: "2026-11-27T09:00:00Z",
        lastLogsUrl: "https://github.com/acme/site-1/actions/runs/1003",
      },
      Date.parse("2026-11-27T10:00:00Z"),
    );
    expect(allText(message)).toContain(`<${jobUrl("acme/site-1", 5002)}|Deploy › Upload to host>`);
  });

  it("escapes a hostile error in its code block and cannot be closed early by backticks", () => {
    const hostile = "<!channel> ``` <https://evil.test|click> & <@U024BE7LH>";
    const message = formatFailure(github("acme/site-1", hugoFailed("acme/site-1", hostile)));
    expect(validateMessage(message)).toEqual([]);
    const text = allText(message);
    expect(text).toContain("&lt;!channel&gt;");
    expect(text).not.toMatch(/<!channel|<@U|<https:\/\/evil/);
    // Only our own fences remain: the error's triple backticks are broken by a zero-width space.
    expect(text.match(/```/g)).toHaveLength(2);
  });
});

describe("a storm digest groups sites by what failed", () => {
  it("tells a theme update that broke every build from a hosting outage that broke every upload", () => {
    const items = [
      ...Array.from({ length: 12 }, (_, i) => ({
        event: github(`acme/theme-site-${i}`, hugoFailed(`acme/theme-site-${i}`)),
      })),
      ...Array.from({ length: 40 }, (_, i) => ({
        event: github(`acme/site-${i}`, uploadFailed(`acme/site-${i}`)),
      })),
      // Without detail: grouped by workflow and outcome as before.
      ...Array.from({ length: 3 }, (_, i) => ({ event: github(`acme/other-${i}`, null) })),
    ];
    const message = formatDigest(items, "failure");
    expect(validateMessage(message)).toEqual([]);
    const text = allText(message);
    expect(text).toContain("40 sites failed at *Deploy › Upload to host*\n");
    expect(text).toContain("12 sites failed at *Build › Run hugo --minify*\n");
    expect(text).toContain("*Build and deploy* · 3 sites · failed\n");
    // Biggest group first.
    expect(text.indexOf("40 sites failed at")).toBeLessThan(text.indexOf("12 sites failed at"));
    expect(text).toContain("grouped by what failed");
  });

  it("says the error in the heading only when every site of the group shares it", () => {
    const netlify = (site: string, message: string) =>
      ({
        event: netlifyEvent({
          site,
          detail: message,
          failedAt: failedStage(message, `https://app.netlify.com/sites/${site}/deploys/1`),
        }),
      }) as {
        event: FailureEvent;
      };
    const same = formatDigest(
      [1, 2].map((i) =>
        netlify(
          `docs-${i}`,
          "Failed during stage 'building site': Build script returned non-zero exit code: 2",
        ),
      ),
      "failure",
    );
    expect(allText(same)).toContain(
      "2 sites failed at *Netlify build › building site* · Build script returned non-zero exit code: 2\n",
    );
    const mixed = formatDigest(
      [
        netlify("docs-1", "Failed during stage 'building site': Build script returned non-zero exit code: 2"),
        netlify(
          "docs-2",
          "Failed during stage 'building site': Build script returned non-zero exit code: 137",
        ),
      ],
      "failure",
    );
    expect(allText(mixed)).toContain("2 sites failed at *Netlify build › building site*\n");
  });

  it("escapes what failed in the heading and stays within Slack's limits for 300 sites", () => {
    const hostile = failedAt([
      { name: "<!channel> Build", step: "<https://evil.test|x> & go", url: null },
    ]) as FailedAt;
    const items = Array.from({ length: 300 }, (_, i) => ({
      event: github(`acme/${"long-site-name-".repeat(8)}${i}`, hostile),
    }));
    const message = formatDigest(items, "failure");
    expect(validateMessage(message)).toEqual([]);
    expect(allText(message)).toContain(
      "failed at *&lt;!channel&gt; Build › &lt;https://evil.test|x&gt; &amp; go*",
    );
  });
});
