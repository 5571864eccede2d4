import { describe, expect, it } from "vitest";
import { asFailure, githubEvent, gitlabEvent, netlifyEvent } from "../../../samples/events.ts";
import { idempotencyKey, streamKey } from "../../../src/event.ts";
import { withAutoRerunNote } from "../../../src/rerun/auto-rerun-note.ts";
import {
  isResultOfRerun,
  parsePendingRerun,
  parseRerunBudget,
  pendingRerunOf,
} from "../../../src/rerun/pending-rerun.ts";
import { rerunTargetOf } from "../../../src/rerun/rerun-target.ts";
import { silenceEndings } from "../../../src/silences/silence-endings.ts";
import type { Silence } from "../../../src/silences/silence-record.ts";
import { formatFailure } from "../../../src/slack/format.ts";
import { T0 } from "../clock.ts";

const pendingFor = (event: Parameters<typeof rerunTargetOf>[0]) =>
  pendingRerunOf(streamKey(event), idempotencyKey(event), 1, rerunTargetOf(event), event, T0);

describe("pending automatic re-runs", () => {
  it("GitHub: the next attempt of the same run is its result; the failure itself is not", () => {
    const failed = asFailure(githubEvent());
    const pending = pendingFor(failed);
    expect(parsePendingRerun(pending)).toEqual(pending);
    expect(isResultOfRerun(pending, failed)).toBe(false);
    expect(isResultOfRerun(pending, githubEvent({ attempt: 2, outcome: "success" }))).toBe(true);
    expect(isResultOfRerun(pending, githubEvent({ runId: 999, attempt: 1 }))).toBe(false);
  });

  it("GitLab: the same pipeline with another result", () => {
    const failed = gitlabEvent() as Parameters<typeof rerunTargetOf>[0];
    const pending = pendingFor(failed);
    expect(isResultOfRerun(pending, failed)).toBe(false);
    expect(
      isResultOfRerun(pending, gitlabEvent({ outcome: "success", result: "2026-11-27T10:09:00Z" })),
    ).toBe(true);
  });

  it("Netlify: a later deploy of the stream", () => {
    const failed = asFailure(netlifyEvent({ context: "production" }));
    const pending = pendingFor(failed);
    expect(
      isResultOfRerun(
        pending,
        netlifyEvent({
          context: "production",
          deployId: "d2",
          occurredAt: new Date(T0 + 5000).toISOString(),
        }),
      ),
    ).toBe(true);
    expect(
      isResultOfRerun(
        pending,
        netlifyEvent({ deployId: "d0", occurredAt: new Date(T0 - 3_600_000).toISOString() }),
      ),
    ).toBe(false);
  });

  it("an unreadable budget is an empty hour", () => {
    expect(parseRerunBudget({ v: 1, recent: [1, 2] })).toEqual([1, 2]);
    expect(parseRerunBudget({ recent: "x" })).toEqual([]);
    expect(parseRerunBudget(null)).toEqual([]);
  });

  it("the message of a failure that failed again says so under its header", () => {
    const message = withAutoRerunNote(formatFailure(asFailure(githubEvent())), 2);
    expect(message.blocks[0]?.type).toBe("header");
    expect(JSON.stringify(message.blocks[1])).toContain(
      "Failed again after an automatic re-run (AUTO_RERUN rule 2)",
    );
    expect(message.text).toContain("failed again after an automatic re-run");
  });
});

describe("silenceEndings", () => {
  const silence = (id: string, site: string, until: number): Silence => ({
    v: 1,
    id,
    match: { site, branch: null, source: null, stream: null },
    until,
    untilGreen: false,
    by: "cli",
    reason: null,
    createdAt: T0 - 7_200_000,
  });
  const open = (site: string) => ({
    episodeId: `ep-${site}`,
    site,
    branch: "main",
    source: "github",
    stream: `github:${site}:1:main`,
  });

  it("announces what an ended silence covered and nothing else covers; removes the ended silences", () => {
    const silences = [silence("a", "acme/*", T0 - 1), silence("b", "acme/keep", T0 + 3_600_000)];
    const endings = silenceEndings(silences, [open("acme/one"), open("acme/keep"), open("other/x")], T0);
    expect(endings.announce.map((t) => t.site)).toEqual(["acme/one"]);
    expect(endings.remove).toEqual(["a"]);
  });

  it("nothing to do while every silence is in force", () => {
    expect(silenceEndings([silence("b", "acme/*", T0 + 1)], [open("acme/one")], T0)).toEqual({
      announce: [],
      remove: [],
    });
  });
});
