import { describe, expect, it } from "vitest";
import { githubEvent } from "../../../samples/events.ts";
import type { FailedAt, FailureEvent } from "../../../src/event.ts";
import { failedAt } from "../../../src/failed-at.ts";
import {
  DIGEST_MAX_CHARS,
  digestChunks,
  formatDigest,
  formatExcerptReply,
  formatFailure,
  validateMessage,
} from "../../../src/slack/format.ts";
import type { SlackMessage } from "../../../src/slack/message.ts";
import { selectExcerpt } from "../../../src/why/select-excerpt.ts";
import { errorSignature } from "../../../src/why/signature.ts";
import { fixtureLog } from "../why/logs.ts";

const blockTexts = (message: SlackMessage): string[] =>
  message.blocks.flatMap((block) => {
    if (block.type === "section") return [block.text?.text ?? "", ...(block.fields ?? []).map((f) => f.text)];
    if (block.type === "context") return block.elements.map((e) => e.text);
    if (block.type === "header") return [block.text.text];
    return [];
  });
const allText = (message: SlackMessage): string => [message.text, ...blockTexts(message)].join("\n");

/** What the detail lookup stores for a job whose log is `log` (src/sources/detail-failure.ts). */
const excerpted = (site: string, log: string, step = "Build site"): FailedAt => {
  const excerpt = selectExcerpt(log);
  return failedAt(
    [
      {
        name: "Build",
        step,
        url: `https://github.com/${site}/actions/runs/1/job/2`,
        jobId: 2,
        excerpt: excerpt?.lines ?? null,
        error: excerpt?.key ?? null,
        signature: errorSignature(excerpt?.key, site),
      },
    ],
    site,
  ) as FailedAt;
};

const failure = (site: string, detail: FailedAt | null): FailureEvent =>
  githubEvent({
    site,
    repository: site,
    logsUrl: `https://github.com/${site}/actions/runs/1`,
    failedAt: detail,
  }) as FailureEvent;

const HOSTILE = [
  "Error: <!channel> <@U0123ABCD> <https://evil.example|click> *bold* & more",
  "``` closing the fence ``` and `one` tick",
  "<!here> ```",
];

describe("a failure message says why it failed", () => {
  it("shows the failed step's excerpt in a code block under the Failed at line", () => {
    const message = formatFailure(
      failure("acme/site-a", excerpted("acme/site-a", fixtureLog("github-hugo.log"))),
    );
    expect(validateMessage(message)).toEqual([]);
    const text = allText(message);
    expect(text).toContain(
      "*Failed at*\n<https://github.com/acme/site-a/actions/runs/1/job/2|Build › Build site>\n```Start building sites …\n",
    );
    expect(text).toContain('partial "partials/header" not found');
  });

  it("escapes the excerpt: no mention, no link, no way out of the code block", () => {
    const detail = failedAt([{ name: "Build", step: "Build site", url: null, excerpt: HOSTILE }]) as FailedAt;
    const message = formatFailure(failure("acme/site-a", detail));
    expect(validateMessage(message)).toEqual([]);
    const text = blockTexts(message).join("\n");
    expect(text).not.toMatch(/<!channel>|<!here>|<@U|<https:\/\/evil/);
    expect(text).toContain("&lt;!channel&gt; &lt;@U0123ABCD&gt;");
    // Only our own two fences: every backtick of the log became a look-alike.
    expect(text.match(/`/g)).toHaveLength(6);
    expect(text).toContain("ˋˋˋ closing the fence ˋˋˋ and ˋoneˋ tick");
  });

  it("stays within Slack's section limit when every character of the excerpt needs escaping", () => {
    const lines = Array.from({ length: 12 }, () => "&<>".repeat(40));
    const detail = failedAt([
      { name: "Build", step: "Build site", url: null, excerpt: lines },
      { name: "Test", step: "Run tests", url: null, error: "Error: second job" },
    ]) as FailedAt;
    const message = formatFailure(failure("acme/site-a", detail));
    expect(validateMessage(message)).toEqual([]);
    expect(allText(message)).toContain("Test › Run tests");
  });

  it("without an excerpt, the short error as before", () => {
    const detail = failedAt([
      { name: "Build", step: "Build site", url: null, error: "Error: x" },
    ]) as FailedAt;
    expect(allText(formatFailure(failure("acme/site-a", detail)))).toContain(
      "Build › Build site\n```Error: x```",
    );
  });
});

describe("formatExcerptReply (the thread reply when the message went without its excerpt)", () => {
  it("says why it failed, escaped, in a code block", () => {
    const detail = failedAt([{ name: "Build", step: "Build site", url: null, excerpt: HOSTILE }]) as FailedAt;
    const reply = formatExcerptReply(failure("acme/site-a", detail));
    expect(reply).not.toBeNull();
    if (reply === null) return;
    expect(validateMessage(reply)).toEqual([]);
    expect(reply.text).toBe("Why it failed: acme/site-a, at Build › Build site");
    const text = blockTexts(reply).join("\n");
    expect(text).toMatch(/^\*Why it failed\* · Build › Build site\n```Error: &lt;!channel&gt;/);
    expect(text).not.toMatch(/<!channel>|<@U/);
  });

  it("is null when there is no excerpt to post", () => {
    expect(formatExcerptReply(failure("acme/site-a", null))).toBeNull();
    const none = failedAt([{ name: "Build", url: null, excerpt: null }]) as FailedAt;
    expect(formatExcerptReply(failure("acme/site-a", none))).toBeNull();
  });
});

describe("a storm digest groups sites by failed step and signature", () => {
  const theme = (i: number) => {
    const site = `acme/theme-site-${i}`;
    const log = fixtureLog("github-hugo.log").replaceAll("site-a", `theme-site-${i}`);
    return { event: failure(site, excerpted(site, log)) };
  };
  const npm = (i: number) => {
    const site = `acme/npm-site-${i}`;
    return { event: failure(site, excerpted(site, fixtureLog("github-npm.log"))) };
  };

  it("40 sites, two errors at the same step: two groups, the largest first, one excerpt each, every site named", () => {
    const items = [
      ...Array.from({ length: 28 }, (_, i) => theme(i)),
      ...Array.from({ length: 12 }, (_, i) => npm(i)),
    ];
    const [chunk, ...rest] = digestChunks(items);
    expect(rest).toEqual([]);
    const message = formatDigest(chunk ?? [], "failure", { maxChars: DIGEST_MAX_CHARS });
    expect(validateMessage(message)).toEqual([]);
    expect(blockTexts(message).join("").length).toBeLessThanOrEqual(DIGEST_MAX_CHARS);
    const text = allText(message);
    expect(text).toContain("28 sites failed at *Build › Build site*");
    expect(text).toContain("12 sites failed at *Build › Build site*");
    expect(text.indexOf("28 sites")).toBeLessThan(text.indexOf("12 sites"));
    expect(text.match(/```/g)).toHaveLength(4);
    expect(text).toContain('partial "partials/header" not found');
    expect(text).toContain("npm error 404");
    for (const { event } of items) expect(text).toContain(`|${event.site}>`);
  });

  it("40 sites with 40 different errors at one step: every site named within the limits", () => {
    const items = Array.from({ length: 40 }, (_, i) => {
      const site = `acme/${"a-rather-long-site-name-".repeat(3)}${i}`;
      const log = Array.from(
        { length: 12 },
        (_, n) => `Error: failure number ${i} of kind ${"&".repeat(150)} ${n}`,
      ).join("\n");
      return { event: failure(site, excerpted(site, log)) };
    });
    const message = formatDigest(items, "failure", { maxChars: DIGEST_MAX_CHARS });
    expect(validateMessage(message)).toEqual([]);
    expect(blockTexts(message).join("").length).toBeLessThanOrEqual(DIGEST_MAX_CHARS);
    const text = allText(message);
    for (const { event } of items) expect(text).toContain(event.site);
    expect(blockTexts(message).join("\n")).not.toContain("…and");
    expect(text).toContain("40 sites failed at *Build › Build site*");
  });

  it("a hostile excerpt in a digest is escaped like in a message", () => {
    const detail = failedAt([{ name: "Build", step: "Build site", url: null, excerpt: HOSTILE }]) as FailedAt;
    const items = ["acme/a", "acme/b"].map((site) => ({ event: failure(site, detail) }));
    const text = blockTexts(formatDigest(items, "failure")).join("\n");
    expect(text).not.toMatch(/<!channel>|<!here>|<@U|<https:\/\/evil/);
    expect(text.match(/```/g)).toHaveLength(2);
  });
});
