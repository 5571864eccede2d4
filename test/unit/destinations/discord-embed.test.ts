import { describe, expect, it } from "vitest";
import {
  DISCORD_LIMITS,
  type DiscordBody,
  discordMessage,
  embedChars,
} from "../../../src/destinations/discord-embed.ts";
import { digestNotice, testNotice } from "../../../src/destinations/notice.ts";
import { digest, everyNotice, failing, HOSTILE } from "./notices.ts";

/** Every limit Discord checks on a message. */
const withinLimits = (body: DiscordBody): void => {
  expect(body.allowed_mentions).toEqual({ parse: [] });
  expect(body.content.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
  expect(body.embeds.length).toBeLessThanOrEqual(DISCORD_LIMITS.embeds);
  expect(body.embeds.reduce((sum, embed) => sum + embedChars(embed), 0)).toBeLessThanOrEqual(
    DISCORD_LIMITS.total,
  );
  for (const embed of body.embeds) {
    expect(embed.title?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.title);
    expect(embed.description?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
    for (const field of embed.fields ?? []) {
      expect(field.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldName);
      expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
    }
  }
};

/** The text Discord reads as Markdown (content, titles, descriptions, fields), outside code blocks. */
const markdown = (body: DiscordBody): string =>
  [
    body.content,
    ...body.embeds.flatMap((embed) => [
      embed.title ?? "",
      embed.description ?? "",
      ...(embed.fields ?? []).flatMap((field) => [field.name, field.value]),
    ]),
  ]
    .join("\n")
    .replace(/```[\s\S]*?```/g, "");

/** The same, without link targets (`](<url>)`), where nothing is read as Markdown or a mention. */
const outsideLinks = (body: DiscordBody): string => markdown(body).replace(/\]\(<[^>]*>\)/g, "]");

const hostile = failing({
  site: `acme/${HOSTILE}`,
  branch: HOSTILE,
  commit: { sha: "abc1234", message: HOSTILE, url: null, author: HOSTILE },
  failedAt: {
    jobs: [
      { name: HOSTILE, stage: null, url: null, step: HOSTILE, error: HOSTILE, excerpt: [HOSTILE] } as never,
    ],
  },
});

describe("discordMessage", () => {
  it.each(Object.entries(everyNotice()))(
    "%s: within Discord's limits, mentions never parsed",
    (_kind, notice) => {
      withinLimits(discordMessage(notice));
      withinLimits(discordMessage(notice, true));
    },
  );

  it("says what failed, with the error and the excerpt in code blocks, the title linked to the logs", () => {
    const body = discordMessage(everyNotice().failure as never);
    expect(body.content).toContain("❌ Build and deploy failed: acme/site-1");
    const [embed] = body.embeds;
    expect(embed?.url).toBe("https://github.com/acme/site-1/actions/runs/1001");
    expect(embed?.description).toContain(
      "[build › Run hugo --minify](<https://github.com/acme/site-1/actions/runs/1001/job/5>)",
    );
    expect(embed?.description).toContain(
      '```\nERROR render of page failed\nerror: template "partials/header" not defined\n```',
    );
    expect(embed?.fields).toContainEqual({ name: "Branch", value: "main", inline: true });
  });

  it("rewrites the failure message in place as recovered, saying how long it was broken", () => {
    const body = discordMessage(everyNotice().recovery as never, true);
    expect(body.content).toContain("✅ Recovered \\(was: Build and deploy failed\\): acme/site-1");
    expect(body.embeds[0]?.description).toContain("broken for 2 h 30 min, 3 failed runs");
    expect(body.embeds[0]?.color).toBe(0x2eb67d);
  });

  it("escapes Markdown and mentions from every payload field", () => {
    for (const [kind, notice] of Object.entries(everyNotice(hostile))) {
      for (const body of [discordMessage(notice), discordMessage(notice, true)]) {
        withinLimits(body);
        const text = outsideLinks(body);
        expect(text, kind).not.toMatch(/(^|[^\\])\[click\]\(/);
        expect(text, kind).not.toMatch(/(^|[^\\])<@123456>/);
        expect(text, kind).not.toContain("@everyone");
        expect(text, kind).not.toMatch(/(^|[^\\])\*\*bold/);
      }
    }
  });

  it("names all 40 sites of a digest part, each linked to its logs", () => {
    const body = discordMessage(digest(40));
    withinLimits(body);
    const text = markdown(body);
    for (let n = 0; n < 40; n++)
      expect(text).toContain(
        `[acme/site-${n} \\(main\\)](<https://github.com/acme/site-${n}/actions/runs/${5000 + n}>)`,
      );
  });

  it("at the 6,000-character limit, names sites without links before it counts any", () => {
    const long = digestNotice(
      Array.from({ length: 40 }, (_, n) => {
        const event = failing({ site: `acme/${"long-site-name-".repeat(5)}${n}`, runId: 70_000 + n });
        return {
          event,
          episodeId: `e${n}`,
          episode: { openedAt: "2026-11-27T10:00:00Z", failedRuns: 1, firstLogsUrl: event.logsUrl },
        };
      }),
      "failure",
      { index: 0, count: 1, totalSites: 40 },
    );
    const body = discordMessage(long);
    withinLimits(body);
    const text = markdown(body);
    expect(text).not.toContain("](<https://");
    for (let n = 0; n < 40; n++) expect(text).toContain(`long-site-name-${n} \\(main\\)`);
    expect(body.content).not.toContain("more");

    const huge = digestNotice(
      Array.from({ length: 40 }, (_, n) => {
        const event = failing({ site: `${"*".repeat(190)}${n}`, runId: 80_000 + n });
        return {
          event,
          episodeId: `e${n}`,
          episode: { openedAt: "2026-11-27T10:00:00Z", failedRuns: 1, firstLogsUrl: event.logsUrl },
        };
      }),
      "failure",
      { index: 0, count: 1, totalSites: 40 },
    );
    const cut = discordMessage(huge);
    withinLimits(cut);
    expect(cut.content).toMatch(/…and \d+ more/);
  });

  it("keeps to 10 embeds when a digest has more groups", () => {
    const many = digestNotice(
      Array.from({ length: 14 }, (_, n) => {
        const event = failing({
          site: `acme/site-${n}`,
          runId: 60_000 + n,
          failedAt: { jobs: [{ name: `job-${n}`, stage: null, url: null, step: null, error: null }] },
        });
        return {
          event,
          episodeId: `e${n}`,
          episode: { openedAt: "2026-11-27T10:00:00Z", failedRuns: 1, firstLogsUrl: event.logsUrl },
        };
      }),
      "failure",
      { index: 0, count: 1, totalSites: 14 },
    );
    const body = discordMessage(many);
    withinLimits(body);
    expect(body.embeds).toHaveLength(10);
    for (let n = 0; n < 14; n++) expect(markdown(body)).toContain(`acme/site-${n} \\(main\\)`);
  });
});

describe("discordMessage of a test notice (doctor --send-test)", () => {
  const AT = Date.parse("2026-11-27T12:00:00Z");

  it("is one embed saying it is a test, not a failure, naming the destination; mentions never parsed", () => {
    const body = discordMessage(testNotice("COMMUNITY", AT));
    withinLimits(body);
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.content).toBe("\\[TEST\\] vigie test message");
    expect(body.embeds).toHaveLength(1);
    expect(body.embeds[0]).toMatchObject({
      title: "COMMUNITY",
      description: "Not a failure, nothing to do. If you can read this, vigie's destination COMMUNITY works.",
      color: 0x5865f2,
      timestamp: "2026-11-27T12:00:00.000Z",
      fields: [
        { name: "Destination", value: "COMMUNITY", inline: true },
        { name: "Sent by", value: "npm run doctor -- --send-test", inline: true },
      ],
    });
  });

  it("escapes the destination name: no mention, no masked link", () => {
    const body = discordMessage(testNotice("@everyone <@123> [x](https://evil.example)", AT));
    expect(body.allowed_mentions).toEqual({ parse: [] });
    const text = outsideLinks(body);
    expect(text).not.toMatch(/(^|[^\\])\[x\]\(/);
    expect(text).not.toMatch(/(^|[^\\])<@123>/);
    expect(text).not.toContain("@everyone");
  });
});
