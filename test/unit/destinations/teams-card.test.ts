import { describe, expect, it } from "vitest";
import { digestNotice, testNotice } from "../../../src/destinations/notice.ts";
import { TEAMS_MAX_BYTES, teamsBytes, teamsMessage } from "../../../src/destinations/teams-card.ts";
import { digest, everyNotice, failing, HOSTILE } from "./notices.ts";

/** Every string of a value, recursively. */
const strings = (value: unknown): string[] =>
  typeof value === "string"
    ? [value]
    : Array.isArray(value)
      ? value.flatMap(strings)
      : typeof value === "object" && value !== null
        ? Object.values(value).flatMap(strings)
        : [];

/** The strings Teams reads as Markdown: TextBlock texts and FactSet values (not URLs, not TextRuns). */
const markdown = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.flatMap(markdown);
  if (typeof value !== "object" || value === null) return [];
  const record = value as Record<string, unknown>;
  if (record.type === "TextRun") return [];
  return Object.entries(record).flatMap(([key, inner]) =>
    typeof inner === "string" ? (key === "text" || key === "value" ? [inner] : []) : markdown(inner),
  );
};

const content = (body: ReturnType<typeof teamsMessage>) =>
  body.attachments[0]?.content as Record<string, unknown>;

describe("teamsMessage", () => {
  it.each(Object.entries(everyNotice()))("%s: one Adaptive Card 1.4 within 28 KB", (_kind, notice) => {
    const body = teamsMessage(notice);
    expect(body.type).toBe("message");
    expect(body.attachments).toHaveLength(1);
    expect(body.attachments[0]?.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(content(body)).toMatchObject({ type: "AdaptiveCard", version: "1.4" });
    expect(teamsBytes(body)).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
  });

  it("says what failed, where, with the excerpt and a button to the logs", () => {
    const card = content(teamsMessage(everyNotice().failure as never));
    const text = strings(card).join("\n");
    expect(text).toContain("Build and deploy failed: acme/site-1");
    expect(text).toContain("main");
    expect(text).toContain(
      "[build › Run hugo --minify](https://github.com/acme/site-1/actions/runs/1001/job/5)",
    );
    expect(text).toContain('error: template "partials/header" not defined');
    expect(JSON.stringify(card)).toContain('"type":"RichTextBlock"');
    expect(card.actions).toEqual([
      { type: "Action.OpenUrl", title: "View logs", url: "https://github.com/acme/site-1/actions/runs/1001" },
    ]);
  });

  it("gives a recovery its own card, saying how long it was broken", () => {
    const text = strings(content(teamsMessage(everyNotice().recovery as never))).join("\n");
    expect(text).toContain("✅ Recovered");
    expect(text).toContain("broken for 2 h 30 min, 3 failed runs");
  });

  it("escapes Markdown, mentions and date functions from every payload field", () => {
    const hostile = failing({
      site: `acme/${HOSTILE}`,
      branch: HOSTILE,
      commit: { sha: "abc1234", message: HOSTILE, url: null, author: HOSTILE },
      failedAt: {
        jobs: [
          {
            name: HOSTILE,
            stage: null,
            url: null,
            step: HOSTILE,
            error: HOSTILE,
            excerpt: [HOSTILE],
          } as never,
        ],
      },
    });
    const notices = Object.entries(everyNotice(hostile)).filter(
      ([kind]) => !["netlify", "gitlab"].includes(kind),
    );
    for (const [, notice] of notices) {
      const card = content(teamsMessage(notice));
      const all = markdown(card).join("\n");
      expect(all).toContain("\\[click\\]\\(https://evil.example\\)");
      expect(all).not.toContain("[click](");
      // The excerpt is plain text (a TextRun), where only a mention or a date function could be read.
      expect(JSON.stringify(card)).not.toMatch(/<at>|\{\{DATE/i);
      expect(all).not.toMatch(/<at>/i);
      expect(all).not.toContain("{{DATE");
      expect(all).not.toMatch(/(^|[^\\])\*\*bold/);
      expect(all).not.toMatch(/^# Heading/m);
    }
  });

  it("names all 40 sites of a digest part, each linked to its logs", () => {
    const text = strings(content(teamsMessage(digest(40)))).join("\n");
    for (let n = 0; n < 40; n++) expect(text).toContain(`acme/site-${n} \\(main\\)`);
    expect(text).toContain("[acme/site-39 \\(main\\)](https://github.com/acme/site-39/actions/runs/5039)");
    expect(text).toContain("40 sites failed at once");
  });

  it("stays within 28 KB at 40 sites of the longest names and URLs, dropping links before sites", () => {
    const long = (n: number) =>
      failing({
        site: `acme/${"very-long-site-name-".repeat(9)}${n}`,
        runId: 9000 + n,
        logsUrl: `https://github.com/acme/x/actions/runs/${"9".repeat(900)}${n}`,
      });
    const notice = digestNotice(
      Array.from({ length: 40 }, (_, n) => ({
        event: long(n),
        episodeId: `e${n}`,
        episode: { openedAt: "2026-11-27T10:00:00Z", failedRuns: 1, firstLogsUrl: "https://x.example" },
      })),
      "failure",
      { index: 0, count: 1, totalSites: 40 },
    );
    const body = teamsMessage(notice);
    expect(teamsBytes(body)).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    const text = strings(content(body)).join("\n");
    expect(text).toContain("very-long-site-name-");
    expect(text).not.toContain("](https://github.com/acme/x/actions/runs/999");
    // Names alone fit: every site is still named.
    for (let n = 0; n < 40; n++) expect(text).toContain(`-${n} \\(main\\)`);
  });

  it("counts the sites that do not fit even without links", () => {
    const huge = digestNotice(
      Array.from({ length: 40 }, (_, n) => ({
        event: failing({ site: `${"[x]".repeat(300)}${n}`, runId: 100 + n }),
        episodeId: `e${n}`,
        episode: { openedAt: "2026-11-27T10:00:00Z", failedRuns: 1, firstLogsUrl: "https://x.example" },
      })),
      "failure",
      { index: 0, count: 1, totalSites: 40 },
    );
    const body = teamsMessage(huge);
    expect(teamsBytes(body)).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    expect(strings(content(body)).join("\n")).toMatch(/…and \d+ more/);
  });
});

describe("teamsMessage of a test notice (doctor --send-test)", () => {
  const AT = Date.parse("2026-11-27T12:00:00Z");

  it("is one Adaptive Card saying it is a test, not a failure, naming the destination", () => {
    const body = teamsMessage(testNotice("OPS", AT));
    expect(body.attachments).toHaveLength(1);
    const card = content(body);
    expect(card).toMatchObject({ type: "AdaptiveCard", version: "1.4" });
    const [title, summary] = card.body as Array<Record<string, unknown>>;
    expect(title).toMatchObject({
      type: "TextBlock",
      text: "\\[TEST\\] vigie test message",
      color: "Accent",
    });
    expect(summary?.text).toBe(
      "Not a failure, nothing to do. If you can read this, vigie's destination OPS works.",
    );
    const text = strings(card).join("\n");
    expect(text).toContain("npm run doctor -- --send-test");
    expect(text).toContain("Sent 2026-11-27 12:00 UTC");
    expect(text).not.toMatch(/Failed|❌/);
    expect(card.actions).toBeUndefined();
  });

  it("escapes the destination name like any payload text", () => {
    const card = content(teamsMessage(testNotice("<at>Boss</at>_X", AT)));
    for (const value of markdown(card)) expect(value).not.toMatch(/<at>|(?<!\\)_/);
  });
});
