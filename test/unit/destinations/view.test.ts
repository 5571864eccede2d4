import { describe, expect, it } from "vitest";
import { failureNotice } from "../../../src/destinations/notice.ts";
import { excerptOf, runView } from "../../../src/destinations/view.ts";
import { failing } from "./notices.ts";

describe("excerptOf (log lines another part of vigie adds to failed jobs)", () => {
  it("reads lines, or one text split in lines, bounded; nothing when there is none", () => {
    expect(excerptOf({ excerpt: ["a", "b"] })).toEqual(["a", "b"]);
    expect(excerptOf({ excerpt: "a\r\nb" })).toEqual(["a", "b"]);
    expect(excerptOf({ excerpt: Array.from({ length: 20 }, (_, i) => `line ${i}`) })).toHaveLength(12);
    expect(excerptOf({ excerpt: ["x".repeat(500)] })[0]).toHaveLength(200);
    expect(excerptOf({ excerpt: [1, null, "ok"] })).toEqual(["ok"]);
    expect(excerptOf({ name: "build" })).toEqual([]);
  });
});

describe("runView", () => {
  it("a Netlify error without failed jobs is still told", () => {
    const event = { ...failing(), failedAt: null, detail: "Build script returned non-zero exit code: 2" };
    const view = runView(failureNotice(event, { id: "e", openedAt: event.occurredAt, failedRuns: 1 }));
    expect(view.jobs).toEqual([
      {
        label: "Netlify error",
        url: null,
        error: "Build script returned non-zero exit code: 2",
        excerpt: [],
      },
    ]);
  });

  it("links only http(s) URLs", () => {
    const event = failing({ logsUrl: "javascript:alert(1)", siteUrl: "javascript:alert(1)" });
    const view = runView(failureNotice(event, { id: "e", openedAt: event.occurredAt, failedRuns: 1 }));
    expect(view.links).toEqual([]);
    expect(view.facts.find((fact) => fact.label === "Repository")?.url).toBeNull();
  });
});
