import { describe, expect, it } from "vitest";
import {
  expiredSilences,
  isActive,
  matchSilence,
  type SilenceTarget,
  silenceMatches,
  silencesEndedByRecovery,
} from "../../../src/silences/match-silence.ts";
import type { Silence, SilenceMatch } from "../../../src/silences/silence-record.ts";
import { parseDuration, silenceSpec } from "../../../src/silences/silence-spec.ts";
import { T0 } from "../clock.ts";

const HOUR = 3_600_000;
const target = (over: Partial<SilenceTarget> = {}): SilenceTarget => ({
  site: "acme/theme-blog",
  branch: "main",
  source: "github",
  stream: "github:acme/theme-blog:7:main",
  ...over,
});
const silence = (match: Partial<SilenceMatch>, over: Partial<Silence> = {}): Silence => ({
  v: 1,
  id: "s1",
  match: { site: null, branch: null, source: null, stream: null, ...match },
  until: T0 + HOUR,
  untilGreen: false,
  by: "cli",
  reason: null,
  createdAt: T0,
  ...over,
});

describe("silenceMatches", () => {
  it.each([
    [{ site: "acme/*" }, target(), true],
    [{ site: "ACME/theme-*" }, target(), true],
    [{ site: "acme/*" }, target({ site: "other/site" }), false],
    [{ site: "*" }, target({ site: "acme/theme-blog" }), false],
    [{ site: "**" }, target(), true],
    [{ site: "acme/*", branch: "main" }, target({ branch: "dev" }), false],
    [{ site: "acme/*", branch: "release/**" }, target({ branch: "release/1/2" }), true],
    [{ site: "acme/*", branch: "main" }, target({ branch: null }), false],
    [{ site: "**", source: "netlify" }, target(), false],
    [{ site: "**", source: "github" }, target(), true],
    [{ stream: "github:acme/theme-blog:7:main" }, target(), true],
    [{ stream: "github:acme/theme-blog:7:main" }, target({ stream: "github:acme/theme-blog:8:main" }), false],
    [{ stream: "github:acme/theme-blog:7:main", site: "acme/theme blog" }, target(), true],
  ])("%j against %j: %s", (match, t, expected) => {
    expect(silenceMatches(silence(match), t, T0)).toBe(expected);
  });

  it("ends at its end time, exactly", () => {
    const s = silence({ site: "**" });
    expect(silenceMatches(s, target(), T0 + HOUR - 1)).toBe(true);
    expect(silenceMatches(s, target(), T0 + HOUR)).toBe(false);
    expect(isActive(s, T0 + HOUR)).toBe(false);
  });

  it("until green lasts until the recovery removes it", () => {
    const s = silence({ stream: target().stream }, { until: null, untilGreen: true });
    expect(silenceMatches(s, target(), T0 + 1000 * HOUR)).toBe(true);
    expect(silencesEndedByRecovery([s], target(), T0)).toEqual([s]);
    expect(silencesEndedByRecovery([s], target({ stream: "other" }), T0)).toEqual([]);
    expect(silencesEndedByRecovery([silence({ site: "**" })], target(), T0)).toEqual([]);
  });

  it("never matches with conditions ROUTES would refuse", () => {
    expect(silenceMatches(silence({ site: "**", source: "jenkins" }), target(), T0)).toBe(false);
    expect(silenceMatches(silence({}), target(), T0)).toBe(false);
  });
});

describe("matchSilence and expiredSilences", () => {
  it("picks the silence that lasts longest, and lists the ended ones", () => {
    const short = silence({ site: "**" }, { id: "short", until: T0 + HOUR });
    const long = silence({ site: "acme/*" }, { id: "long", until: T0 + 4 * HOUR });
    const green = silence({ site: "acme/*" }, { id: "green", until: null, untilGreen: true });
    const other = silence({ site: "other/*" }, { id: "other", until: T0 + 9 * HOUR });
    expect(matchSilence([short, long, other], target(), T0)?.id).toBe("long");
    expect(matchSilence([short, long, green], target(), T0)?.id).toBe("green");
    expect(matchSilence([short, long], target(), T0 + 2 * HOUR)?.id).toBe("long");
    expect(matchSilence([short, long], target(), T0 + 5 * HOUR)).toBeNull();
    expect(expiredSilences([short, long, green], T0 + 2 * HOUR).map((s) => s.id)).toEqual(["short"]);
  });
});

describe("silenceSpec (npm run silence and POST /status/silences)", () => {
  it("reads conditions, a duration and a reason", () => {
    expect(
      silenceSpec(
        {
          conditions: ["site:acme/*", "branch:main", "source:netlify"],
          for: "4h",
          reason: " theme\nrebuild ",
        },
        T0,
      ),
    ).toEqual({
      match: { site: "acme/*", branch: "main", source: "netlify", stream: null },
      until: T0 + 4 * HOUR,
      untilGreen: false,
      reason: "theme rebuild",
    });
    expect(silenceSpec({ conditions: ["site:acme/*"], untilGreen: true }, T0)).toMatchObject({
      until: null,
      untilGreen: true,
    });
  });

  it.each([
    [{ conditions: ["branch:main"], for: "4h" }, "needs site:GLOB"],
    [{ conditions: ["site:a/*"] }, "exactly one of"],
    [{ conditions: ["site:a/*"], for: "4h", untilGreen: true }, "exactly one of"],
    [{ conditions: ["site:a/*"], for: "4 hours" }, "not a duration"],
    [{ conditions: ["site:a/*"], for: "31d" }, "not a duration"],
    [{ conditions: ["site:a/*", "site:b/*"], for: "1h" }, "given twice"],
    [{ conditions: ["workflow:x", "site:a/*"], for: "1h" }, "is not site:GLOB"],
    [{ conditions: ["site:a/*", "source:jenkins"], for: "1h" }, "unknown source"],
  ])("refuses %j", (request, problem) => {
    expect(silenceSpec(request, T0)).toContain(problem);
  });

  it.each([
    ["30m", 30 * 60_000],
    ["4h", 4 * HOUR],
    ["2d", 48 * HOUR],
    ["0h", null],
    ["h", null],
    ["-1h", null],
  ])("parseDuration(%s) = %s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});
