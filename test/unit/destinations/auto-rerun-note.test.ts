import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { discordMessage } from "../../../src/destinations/discord-embed.ts";
import { jsonDocument } from "../../../src/destinations/json-document.ts";
import { type FailureNotice, failureNotice } from "../../../src/destinations/notice.ts";
import { parseNotice, parseOutboxMessage } from "../../../src/destinations/notice-schema.ts";
import { teamsMessage } from "../../../src/destinations/teams-card.ts";
import { runView } from "../../../src/destinations/view.ts";
import { withAutoRerunNote } from "../../../src/rerun/auto-rerun-note.ts";
import { formatNotice } from "../../../src/slack/format-notice.ts";
import { formatFailure } from "../../../src/slack/run-messages.ts";
import { failing } from "./notices.ts";

const schema: unknown = JSON.parse(
  readFileSync(new URL("../../../docs/webhook-events.schema.json", import.meta.url), "utf8"),
);
const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema as object);

const episode = { id: "ep-1", openedAt: "2026-11-27T10:00:00Z", failedRuns: 2 };
const again = { failedAgain: true, rule: 2, rerunAt: "2026-11-27T10:03:00Z" } as const;
const noted = (): FailureNotice => failureNotice(failing(), episode, null, again);
const plain = (): FailureNotice => failureNotice(failing(), episode);
const NOTE = "Failed again after an automatic re-run (AUTO_RERUN rule 2)";
/** The note as Markdown escapes it (Teams, Discord). */
const ESCAPED = /Failed again after an automatic re-run \\?\(AUTO\\?_RERUN rule 2\\?\)/;

describe("a failure that failed again after an automatic re-run, in every kind", () => {
  it("Slack: the same message as before, the note under the header", () => {
    const event = failing();
    expect(formatNotice(failureNotice(event, episode, null, again))).toEqual(
      withAutoRerunNote(formatFailure(event), 2),
    );
    expect(formatNotice(failureNotice(event, episode))).toEqual(formatFailure(event));
  });

  it("Teams: a line under the title", () => {
    const [title, line] = (teamsMessage(noted()).attachments[0]?.content.body ?? []) as Array<{
      text?: string;
    }>;
    expect(title?.text).toContain("❌");
    expect(line?.text).toMatch(ESCAPED);
    expect(JSON.stringify(teamsMessage(plain()))).not.toContain("automatic re-run");
  });

  it("Discord: the first line of the embed's description", () => {
    expect(discordMessage(noted()).embeds[0]?.description?.split("\n")[0]).toMatch(ESCAPED);
    expect(JSON.stringify(discordMessage(plain()))).not.toContain("automatic re-run");
  });

  it("JSON: `autoRerun` in the document, null otherwise, both accepted by the published schema", () => {
    const document = jsonDocument(noted(), "ep-1:open:PAGER");
    expect(document?.data.autoRerun).toEqual(again);
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    const ordinary = jsonDocument(plain(), "ep-1:open:PAGER");
    expect(ordinary?.data.autoRerun).toBeNull();
    expect(validate(ordinary), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...document, data: { ...document?.data, autoRerun: { rule: 2 } } })).toBe(false);
  });

  it("the view's summary is the note; a failure without it has none", () => {
    expect(runView(noted()).summary).toBe(`🔁 ${NOTE}`);
    expect(runView(plain()).summary).toBeNull();
  });
});

describe("the stored notice", () => {
  it("keeps the note through the outbox, and an entry written before it still reads, without a note", () => {
    const stored = JSON.parse(JSON.stringify(noted())) as unknown;
    expect(parseNotice(stored)).toEqual(noted());
    const old = JSON.parse(JSON.stringify(plain())) as Record<string, unknown>;
    expect("autoRerun" in old).toBe(false);
    const read = parseOutboxMessage(old);
    expect(read).toEqual(plain());
    expect(read && "autoRerun" in read).toBe(false);
  });

  it("refuses a malformed note (the entry is unreadable, like any other bad record)", () => {
    expect(parseNotice({ ...plain(), autoRerun: { failedAgain: false, rule: 1, rerunAt: null } })).toBeNull();
    expect(
      parseNotice({ ...plain(), autoRerun: { failedAgain: true, rule: "1", rerunAt: null } }),
    ).toBeNull();
  });
});
