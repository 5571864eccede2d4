import { describe, expect, it } from "vitest";
import type { FailureEvent, GithubRunEvent, NetlifyDeployEvent, RunEvent } from "../../../src/event.ts";
import {
  FIELD_MAX,
  formatDigest,
  formatDuration,
  formatFailure,
  formatRecovery,
  formatReminder,
  HEADER_MAX,
  MAX_BLOCKS,
  SECTION_TEXT_MAX,
  validateMessage,
} from "../../../src/slack/format.ts";
import { type Block, linkButtons, type SlackMessage } from "../../../src/slack/message.ts";

const githubFailure = (over: Partial<GithubRunEvent> = {}): GithubRunEvent & FailureEvent =>
  ({
    source: "github",
    site: "acme/site-1",
    siteUrl: "https://github.com/acme/site-1",
    workflow: "Build and deploy",
    branch: "main",
    context: "push",
    commit: {
      sha: "9f3c1e2d4b5a69788796a5b4c3d2e1f0a9b8c7d6",
      message: "Update theme to 4.2",
      url: "https://github.com/acme/site-1/commit/9f3c1e2d4b5a69788796a5b4c3d2e1f0a9b8c7d6",
      author: "Jane Doe",
    },
    outcome: "failure",
    detail: null,
    logsUrl: "https://github.com/acme/site-1/actions/runs/7712345678",
    actor: "octocat",
    attempt: 1,
    occurredAt: "2024-05-01T10:00:00Z",
    repository: "acme/site-1",
    workflowId: 161335,
    runId: 7712345678,
    runNumber: 412,
    ...over,
  }) as GithubRunEvent & FailureEvent;

const netlifyFailure = (over: Partial<NetlifyDeployEvent> = {}): NetlifyDeployEvent & FailureEvent =>
  ({
    source: "netlify",
    site: "acme-docs",
    siteUrl: "https://acme-docs.netlify.app",
    workflow: "Netlify build",
    branch: "main",
    context: "production",
    commit: {
      sha: "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d",
      message: "Fix broken link in footer",
      url: "https://github.com/acme/docs/commit/0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d",
      author: "Jane Doe",
    },
    outcome: "deploy_error",
    detail: "Build script returned non-zero exit code: 2",
    logsUrl: "https://app.netlify.com/sites/acme-docs/deploys/6630a1b2c3d4e5f6a7b8c9d0",
    actor: "jane",
    attempt: 1,
    occurredAt: "2024-05-01T10:02:00Z",
    siteId: "3b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e",
    deployId: "6630a1b2c3d4e5f6a7b8c9d0",
    ...over,
  }) as NetlifyDeployEvent & FailureEvent;

const success = (event: RunEvent, occurredAt: string): RunEvent => ({
  ...event,
  outcome: "success",
  detail: null,
  occurredAt,
  logsUrl: `${event.logsUrl}9`,
});

const header = (message: SlackMessage): string => {
  const block = message.blocks[0];
  if (block?.type !== "header") throw new Error("first block is not a header");
  return block.text.text;
};

/** All the texts of a message (fallback and every text object), to search in. */
const texts = (message: SlackMessage): string[] => {
  const out = [message.text];
  const visit = (block: Block): void => {
    if (block.type === "header") out.push(block.text.text);
    if (block.type === "section") {
      if (block.text) out.push(block.text.text);
      for (const field of block.fields ?? []) out.push(field.text);
    }
    if (block.type === "context") for (const element of block.elements) out.push(element.text);
    if (block.type === "actions")
      for (const element of linkButtons(block)) out.push(element.text.text, element.url);
  };
  message.blocks.forEach(visit);
  return out;
};
const allText = (message: SlackMessage): string => texts(message).join("\n");
/** The texts Slack parses as mrkdwn: the fallback and the mrkdwn text objects (not plain_text, not URLs). */
const mrkdwnTexts = (message: SlackMessage): string[] => [
  message.text,
  ...message.blocks
    .flatMap((block) => {
      if (block.type === "section")
        return [block.text, ...(block.fields ?? [])].filter((t) => t?.type === "mrkdwn");
      if (block.type === "context") return block.elements.filter((t) => t.type === "mrkdwn");
      return [];
    })
    .map((t) => t?.text ?? ""),
];
/** The text of the blocks only (the digest's fallback lists only the first names, with its own "…and N more"). */
const blockText = (message: SlackMessage): string => texts(message).slice(1).join("\n");
const fieldTexts = (message: SlackMessage): string[] =>
  message.blocks.flatMap((block) =>
    block.type === "section" ? (block.fields ?? []).map((f) => f.text) : [],
  );
const buttons = (message: SlackMessage) =>
  message.blocks.flatMap((block) => (block.type === "actions" ? linkButtons(block) : []));

const expectValid = (message: SlackMessage): void => {
  expect(validateMessage(message)).toEqual([]);
};

const HOSTILE = "<!channel> <!here> <@U024BE7LH> <https://evil.test|click me> & <!date^1^{date}|x>";

describe("formatDuration", () => {
  it.each([
    [0, "0 s"],
    [-5, "0 s"],
    [Number.NaN, "0 s"],
    [999, "0 s"],
    [45_000, "45 s"],
    [60_000, "1 min"],
    [12 * 60_000 + 3_000, "12 min 3 s"],
    [2 * 3_600_000 + 5 * 60_000 + 59_000, "2 h 5 min"],
    [2 * 3_600_000, "2 h"],
    [26 * 3_600_000, "1 d 2 h"],
    [3 * 86_400_000 + 4 * 3_600_000 + 7 * 60_000, "3 d 4 h"],
  ])("%d ms → %j", (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

describe("formatFailure", () => {
  it("describes a GitHub failure: header, linked fields, logs button, one-line fallback", () => {
    const message = formatFailure(githubFailure(), {});
    expectValid(message);
    expect(header(message)).toBe("❌ Build and deploy failed: acme/site-1");
    expect(fieldTexts(message)).toEqual([
      "*Repository*\n<https://github.com/acme/site-1|acme/site-1>",
      "*Branch*\nmain",
      "*Workflow*\nBuild and deploy",
      "*Commit*\n<https://github.com/acme/site-1/commit/9f3c1e2d4b5a69788796a5b4c3d2e1f0a9b8c7d6|9f3c1e2> Update theme to 4.2",
      "*Triggered by*\noctocat",
    ]);
    expect(buttons(message)).toEqual([
      {
        type: "button",
        text: { type: "plain_text", text: "View logs", emoji: true },
        url: "https://github.com/acme/site-1/actions/runs/7712345678",
        action_id: "view_logs",
      },
    ]);
    expect(message.text).toBe("❌ Build and deploy failed: acme/site-1 on main");
    expect(message.unfurl_links).toBe(false);
    expect(message.unfurl_media).toBe(false);
    expect(allText(message)).toContain("Run #412");
  });

  it.each([
    ["failure", "❌ Build and deploy failed: acme/site-1"],
    ["timed_out", "❌ Build and deploy timed out: acme/site-1"],
    ["startup_failure", "❌ Build and deploy failed to start: acme/site-1"],
  ] as const)("words the %s outcome", (outcome, expected) => {
    expect(header(formatFailure(githubFailure({ outcome }), {}))).toBe(expected);
  });

  it("shows the attempt only when the run was re-run", () => {
    expect(fieldTexts(formatFailure(githubFailure({ attempt: 1 }), {})).join()).not.toContain("Attempt");
    expect(fieldTexts(formatFailure(githubFailure({ attempt: 3 }), {}))).toContain("*Attempt*\n3");
  });

  it("mentions the failed runs of the episode when there are several", () => {
    expect(allText(formatFailure(githubFailure(), { runsInEpisode: 3 }))).toContain(
      "3 failed runs in this episode",
    );
    expect(allText(formatFailure(githubFailure(), { runsInEpisode: 1 }))).not.toContain("in this episode");
  });

  it("describes a Netlify deploy failure with its context, error and deploy log", () => {
    const message = formatFailure(netlifyFailure(), {});
    expectValid(message);
    expect(header(message)).toBe("❌ Netlify deploy failed: acme-docs");
    expect(fieldTexts(message)).toEqual([
      "*Site*\n<https://acme-docs.netlify.app/|acme-docs>",
      "*Branch*\nmain",
      "*Context*\nproduction",
      "*Commit*\n<https://github.com/acme/docs/commit/0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d|0a1b2c3> Fix broken link in footer",
      "*Triggered by*\njane",
    ]);
    expect(allText(message)).toContain("*Netlify error*\n```Build script returned non-zero exit code: 2```");
    expect(buttons(message).map((b) => [b.text.text, b.url])).toEqual([
      ["View deploy log", "https://app.netlify.com/sites/acme-docs/deploys/6630a1b2c3d4e5f6a7b8c9d0"],
    ]);
  });

  it("skips what is unknown instead of showing empty fields", () => {
    const message = formatFailure(
      githubFailure({
        branch: null,
        siteUrl: null,
        actor: null,
        commit: { sha: null, message: null, url: null, author: null },
      }),
      {},
    );
    expectValid(message);
    expect(fieldTexts(message)).toEqual(["*Repository*\nacme/site-1", "*Workflow*\nBuild and deploy"]);
  });

  it("escapes every payload string, in blocks and in the fallback text", () => {
    const event = netlifyFailure({
      site: `evil ${HOSTILE}`,
      branch: HOSTILE,
      context: HOSTILE,
      actor: HOSTILE,
      detail: `${HOSTILE}\n\`\`\`\n<!channel> after a closed fence`,
      commit: {
        sha: "<!channel>",
        message: `${HOSTILE}\nsecond line <!here>`,
        url: "javascript:alert(1)",
        author: HOSTILE,
      },
      siteUrl: "javascript:alert(document.cookie)",
    });
    const message = formatFailure(event, { runsInEpisode: 2 });
    expectValid(message);
    for (const text of mrkdwnTexts(message)) {
      expect(text).not.toMatch(/<!(channel|here|everyone|subteam)|<@|<https:\/\/evil|<!date\^1\^/);
    }
    expect(allText(message)).toContain("&lt;!channel&gt;");
    // Only the first line of the commit message.
    expect(allText(message)).not.toContain("second line");
    // A triple backtick in the detail cannot close the code block.
    const detail = texts(message).find((t) => t.startsWith("*Netlify error*")) ?? "";
    expect(detail.startsWith("*Netlify error*\n```")).toBe(true);
    expect(detail.endsWith("```")).toBe(true);
    expect(detail.slice("*Netlify error*\n```".length, -3)).not.toContain("```");
    // A javascript: URL is neither a link nor a button.
    expect(allText(message)).not.toContain("javascript:");
  });

  it("omits the button when the logs URL is not http(s) or too long", () => {
    expect(buttons(formatFailure(githubFailure({ logsUrl: "javascript:alert(1)" }), {}))).toEqual([]);
    expect(buttons(formatFailure(githubFailure({ logsUrl: "" }), {}))).toEqual([]);
    const long = `https://github.com/acme/site/actions/runs/1?${"x".repeat(3100)}`;
    const message = formatFailure(githubFailure({ logsUrl: long }), {});
    expect(buttons(message)).toEqual([]);
    expectValid(message);
  });

  it("stays within Slack's limits with a 10 KB commit message, a 500-character repository and a hostile detail", () => {
    const longName = `acme/${"very-long-repository-name-".repeat(20)}`.slice(0, 500);
    const message = formatFailure(
      netlifyFailure({
        site: longName,
        siteUrl: `https://github.com/${longName}`,
        workflow: "P".repeat(5000),
        branch: "b".repeat(5000),
        actor: "&".repeat(5000),
        detail: "<&>".repeat(10_000),
        commit: {
          sha: "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d",
          message: "&<>".repeat(3500),
          url: "https://github.com/acme/docs/commit/0a1b2c3d",
          author: null,
        },
      }),
      { runsInEpisode: 10 },
    );
    expectValid(message);
    expect(header(message).length).toBeLessThanOrEqual(HEADER_MAX);
    for (const field of fieldTexts(message)) expect(field.length).toBeLessThanOrEqual(FIELD_MAX);
    expect(allText(message)).not.toMatch(/&(?!amp;|lt;|gt;)/);
  });

  it("keeps the site visible in the header when the workflow name is long", () => {
    const text = header(
      formatFailure(githubFailure({ workflow: "W".repeat(400), site: "acme/the-site" }), {}),
    );
    expect(text.length).toBeLessThanOrEqual(HEADER_MAX);
    expect(text.endsWith(": acme/the-site")).toBe(true);
  });

  it("treats an outcome outside the four failure outcomes gracefully", () => {
    const event = { ...githubFailure(), outcome: "action_required" } as unknown as FailureEvent;
    const message = formatFailure(event, {});
    expectValid(message);
    expect(header(message)).toBe("❌ Build and deploy ended: action_required: acme/site-1");
  });
});

describe("formatRecovery", () => {
  it("says how long the stream was broken and how many runs failed", () => {
    const failure = githubFailure();
    const message = formatRecovery(success(failure, "2024-05-01T12:05:30Z"), {
      openedAt: failure.occurredAt,
      failedRuns: 3,
      firstFailureUrl: failure.logsUrl,
    });
    expectValid(message);
    expect(header(message)).toBe("✅ Recovered: acme/site-1");
    expect(allText(message)).toContain("broken for *2 h 5 min*, *3 failed runs*");
    expect(message.text).toBe("✅ Recovered: acme/site-1 on main, broken for 2 h 5 min, 3 failed runs");
    expect(buttons(message).map((b) => b.action_id)).toEqual(["view_run", "view_first_failure"]);
  });

  it("speaks of one failed run, and leaves the duration out when times are unusable", () => {
    const failure = netlifyFailure();
    const message = formatRecovery(success(failure, "not a date"), {
      openedAt: failure.occurredAt,
      failedRuns: 1,
    });
    expectValid(message);
    expect(message.text).toBe("✅ Recovered: acme-docs on main, 1 failed run");
    expect(buttons(message).map((b) => b.text.text)).toEqual(["View deploy log"]);
  });

  it("escapes a hostile success event", () => {
    const failure = githubFailure({
      site: HOSTILE,
      branch: HOSTILE,
      commit: { sha: "x", message: HOSTILE, url: null, author: null },
    });
    const message = formatRecovery(success(failure, "2024-05-01T10:00:45Z"), {
      openedAt: failure.occurredAt,
      failedRuns: 2,
      firstFailureUrl: "javascript:alert(1)",
    });
    expectValid(message);
    expect(allText(message)).toContain("*45 s*");
    for (const text of mrkdwnTexts(message)) expect(text).not.toContain("<!channel>");
    // plain_text is never parsed: the header may show the name as it is.
    expect(header(message)).toBe(`✅ Recovered: ${HOSTILE}`);
    expect(buttons(message)).toHaveLength(1);
  });
});

describe("formatReminder", () => {
  it("says the stream is still failing, for how long and how many runs", () => {
    const failure = githubFailure();
    const now = Date.parse("2024-05-02T12:30:00Z");
    const message = formatReminder(
      failure,
      {
        openedAt: failure.occurredAt,
        failedRuns: 4,
        lastFailureAt: "2024-05-02T09:00:00Z",
        lastLogsUrl: "https://github.com/acme/site-1/actions/runs/7719999999",
      },
      now,
    );
    expectValid(message);
    expect(header(message)).toBe("⏰ Still failing: acme/site-1");
    expect(allText(message)).toContain("has been failing for *1 d 2 h* on main: *4 failed runs* so far.");
    expect(message.text).toBe("⏰ Still failing: acme/site-1 on main, for 1 d 2 h, 4 failed runs");
    expect(buttons(message).map((b) => [b.action_id, b.url])).toEqual([
      ["view_latest_logs", "https://github.com/acme/site-1/actions/runs/7719999999"],
      ["view_first_failure", failure.logsUrl],
    ]);
    expect(allText(message)).toContain(
      "<!date^1714557600^{date_short_pretty} at {time}|2024-05-01 10:00 UTC>",
    );
  });

  it("has a single button when the latest failure is the first one", () => {
    const failure = netlifyFailure();
    const message = formatReminder(
      failure,
      {
        openedAt: failure.occurredAt,
        failedRuns: 1,
        lastFailureAt: failure.occurredAt,
        lastLogsUrl: failure.logsUrl,
      },
      Date.parse("2024-05-01T12:02:00Z"),
    );
    expectValid(message);
    expect(buttons(message)).toHaveLength(1);
    expect(allText(message)).toContain("for *2 h*");
  });
});

const manySites = (count: number, make: (i: number) => FailureEvent) =>
  Array.from({ length: count }, (_, i) => ({ event: make(i) }));

const siteName = (i: number): string =>
  `acme-corporation-web-platform/${"marketing-site-".repeat(6)}${String(i).padStart(4, "0")}`;

describe("formatDigest", () => {
  it("names every one of 60 sites, grouped by workflow and by error, each linked to its logs", () => {
    const items = [
      ...manySites(30, (i) =>
        githubFailure({
          site: `acme/site-${i}`,
          logsUrl: `https://github.com/acme/site-${i}/actions/runs/${i}`,
        }),
      ),
      ...manySites(20, (i) =>
        netlifyFailure({
          site: `docs-${i}`,
          logsUrl: `https://app.netlify.com/sites/docs-${i}/deploys/${i}`,
        }),
      ),
      ...manySites(10, (i) =>
        netlifyFailure({
          site: `blog-${i}`,
          detail: "Failed during stage 'building site': Build script returned non-zero exit code: 137\nmore",
          logsUrl: `https://app.netlify.com/sites/blog-${i}/deploys/${i}`,
        }),
      ),
    ];
    const message = formatDigest(items, "failure");
    expectValid(message);
    expect(header(message)).toBe("🚨 60 sites failed at once");
    const body = blockText(message);
    for (let i = 0; i < 30; i += 1)
      expect(body).toContain(`<https://github.com/acme/site-${i}/actions/runs/${i}|acme/site-${i}>`);
    for (let i = 0; i < 20; i += 1) expect(body).toContain(`|docs-${i}>`);
    for (let i = 0; i < 10; i += 1) expect(body).toContain(`|blog-${i}>`);
    expect(body).toContain("*Build and deploy* · 30 sites · failed");
    expect(body).toContain("*Netlify build* · 20 sites · Build script returned non-zero exit code: 2");
    expect(body).toContain("*Netlify build* · 10 sites · Build script returned non-zero exit code: 137");
    expect(body).not.toContain("…and");
    expect(message.text.startsWith("🚨 60 sites failed at once: ")).toBe(true);
  });

  it("names all of 300 sites with long names, within 50 blocks of 3000 characters", () => {
    const items = manySites(300, (i) =>
      githubFailure({
        site: siteName(i),
        logsUrl: `https://github.com/${siteName(i)}/actions/runs/${9_000_000_000 + i}`,
      }),
    );
    const message = formatDigest(items, "failure");
    expectValid(message);
    expect(message.blocks.length).toBeLessThanOrEqual(MAX_BLOCKS);
    const body = blockText(message);
    for (let i = 0; i < 300; i += 1) expect(body).toContain(`|${siteName(i)}>`);
    expect(body).not.toContain("…and");
    // Continuation sections repeat the group's heading.
    expect(body).toContain("*Build and deploy* · 300 sites (continued) · failed");
  });

  it("cuts 5000 sites with '…and N more', N being exactly the sites not named", () => {
    const items = manySites(5000, (i) =>
      githubFailure({
        site: `acme/site-${String(i).padStart(4, "0")}`,
        logsUrl: `https://github.com/acme/site-${i}/actions/runs/${i}`,
      }),
    );
    const message = formatDigest(items, "failure");
    expectValid(message);
    expect(message.blocks).toHaveLength(MAX_BLOCKS);
    const named = (blockText(message).match(/\|acme\/site-\d{4}>/g) ?? []).length;
    const last = message.blocks.at(-1);
    expect(last?.type === "context" ? last.elements[0]?.text : null).toBe(`…and ${5000 - named} more`);
    expect(named).toBeGreaterThan(1000);
    for (const block of message.blocks) {
      if (block.type === "section")
        expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(SECTION_TEXT_MAX);
    }
    expect(message.text).toMatch(/…and \d+ more$/);
  });

  it("honours a total character budget", () => {
    const items = manySites(300, (i) =>
      githubFailure({ site: siteName(i), logsUrl: `https://github.com/acme/x/actions/runs/${i}` }),
    );
    const message = formatDigest(items, "failure", { maxChars: 12_000 });
    expectValid(message);
    const blockChars = texts(message).slice(1).join("").length;
    expect(blockChars).toBeLessThanOrEqual(12_000);
    const named = (blockText(message).match(/\|acme-corporation/g) ?? []).length;
    expect(allText(message)).toContain(`…and ${300 - named} more`);
  });

  it("tells apart the same site twice in a group by branch, and groups recoveries by workflow only", () => {
    const items = [
      { event: githubFailure({ branch: "main" }) },
      {
        event: githubFailure({ branch: "staging", logsUrl: "https://github.com/acme/site-1/actions/runs/2" }),
      },
      { event: githubFailure({ site: "acme/other", outcome: "timed_out" }) },
    ];
    const failures = formatDigest(items, "failure");
    expectValid(failures);
    expect(header(failures)).toBe("🚨 2 sites failed at once");
    expect(allText(failures)).toContain("|acme/site-1 (main)>");
    expect(allText(failures)).toContain("|acme/site-1 (staging)>");
    expect(allText(failures)).toContain("*Build and deploy* · 1 site · timed out");

    const recoveries = formatDigest(
      items.map(({ event }) => ({ event: success(event, "2024-05-01T11:00:00Z") })),
      "recovery",
    );
    expectValid(recoveries);
    expect(header(recoveries)).toBe("✅ 2 sites recovered");
    expect(allText(recoveries)).toContain("*Build and deploy* · 3 sites");
  });

  it("escapes hostile site names, details and workflows", () => {
    const items = manySites(8, (i) =>
      netlifyFailure({
        site: `${HOSTILE} ${i}`,
        detail: HOSTILE,
        workflow: HOSTILE,
        logsUrl: "javascript:x",
      }),
    );
    const message = formatDigest(items, "failure");
    expectValid(message);
    for (const text of mrkdwnTexts(message)) expect(text).not.toMatch(/<!channel>|<@U|<https:\/\/evil/);
  });
});

describe("validateMessage", () => {
  const base = (blocks: Block[], text = "ok"): SlackMessage => ({
    text,
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  });

  it("reports each kind of violation", () => {
    const violations = validateMessage(
      base(
        [
          { type: "header", text: { type: "plain_text", text: "h".repeat(151) } },
          { type: "section", text: { type: "mrkdwn", text: "x".repeat(3001) } },
          {
            type: "section",
            fields: Array.from({ length: 11 }, () => ({ type: "mrkdwn" as const, text: "f" })),
          },
          { type: "section", fields: [{ type: "mrkdwn", text: "y".repeat(2001) }] },
          { type: "section", text: { type: "mrkdwn", text: "hi <!channel>" } },
          { type: "section" },
          { type: "context", elements: [{ type: "mrkdwn", text: "" }] },
          {
            type: "actions",
            elements: [
              {
                type: "button",
                text: { type: "plain_text", text: "b".repeat(76) },
                url: "javascript:x",
                action_id: "a",
              },
              {
                type: "button",
                text: { type: "plain_text", text: "ok" },
                url: `https://x.test/${"u".repeat(3000)}`,
                action_id: "a",
              },
            ],
          },
          ...Array.from({ length: 43 }, (): Block => ({ type: "divider" })),
        ],
        "<@U1>",
      ),
    );
    expect(violations).toEqual([
      'text: unescaped "<" that is not a link',
      "blocks: 51, more than 50",
      "blocks[0].text: 151 characters, more than 150",
      "blocks[1].text: 3001 characters, more than 3000",
      "blocks[2].fields: more than 10",
      "blocks[3].fields[0]: 2001 characters, more than 2000",
      'blocks[4].text: unescaped "<" that is not a link (mention or forged link?)',
      "blocks[5]: no text, no fields",
      "blocks[6].elements[0]: empty text",
      "blocks[7].elements[0].text: 76 characters, more than 75",
      "blocks[7].elements[0].url: not an http(s) URL",
      "blocks[7].elements[1].url: more than 3000",
      "blocks[7].elements[1].action_id: duplicate a",
    ]);
  });

  it("accepts our links and dates", () => {
    expect(
      validateMessage(
        base([{ type: "section", text: { type: "mrkdwn", text: "<https://x.test/|x> <!date^1^{time}|t>" } }]),
      ),
    ).toEqual([]);
  });
});
