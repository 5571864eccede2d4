import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileGlob } from "../../../src/text/glob.ts";

/** The glob → RegExp translation vigie used before (it backtracks): the reference semantics. */
const oldGlobToRegExp = (glob: string, flags = ""): RegExp => {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === "*" && glob[i + 1] === "*") {
      source += ".*";
      i++;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, flags);
};

const globs = fc.string({ unit: fc.constantFrom("a", "b", "B", "/", "*", "?", "-", "."), maxLength: 10 });
const texts = fc.string({ unit: fc.constantFrom("a", "b", "A", "/", "-", "."), maxLength: 14 });

const steps = (glob: string, text: string): { matched: boolean; steps: number } => {
  let count = 0;
  const matched = compileGlob(glob, { onStep: () => void count++ }).test(text);
  return { matched, steps: count };
};

describe("compileGlob", () => {
  it("agrees with the old RegExp translation on globs small enough for it", () => {
    fc.assert(
      fc.property(globs, texts, (glob, text) => {
        expect(compileGlob(glob).test(text)).toBe(oldGlobToRegExp(glob).test(text));
        expect(compileGlob(glob, { ignoreCase: true }).test(text)).toBe(
          oldGlobToRegExp(glob, "i").test(text),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it("runs in linear time: at most 3 × (text + 1) × (glob + 1) steps, whatever the glob", () => {
    const starry = fc.string({ unit: fc.constantFrom("*", "**", "-", "a", "?", "/"), maxLength: 40 });
    const long = fc.string({ unit: fc.constantFrom("a", "-", "/", "b"), minLength: 50, maxLength: 400 });
    fc.assert(
      fc.property(starry, long, (glob, text) => {
        const { steps: count } = steps(glob, text);
        expect(count).toBeLessThanOrEqual(3 * (text.length + 1) * (glob.length + 1));
      }),
      { numRuns: 500 },
    );
  });

  it("the branch glob that held an answer 11 s costs a few thousand steps", () => {
    const glob = "release-*-*-*-*-*";
    const branch = `release-${"-".repeat(150)}x/`;
    const { matched, steps: count } = steps(glob, branch);
    expect(matched).toBe(false);
    expect(count).toBeLessThan(3 * (branch.length + 1) * (glob.length + 1));
    // And a long site name against a starry ROUTES glob, case-insensitively.
    const site = compileGlob("*a*a*a*a*a*a*a*a*b", { ignoreCase: true });
    expect(site.test("A".repeat(100))).toBe(false);
    expect(site.test(`${"A".repeat(100)}B`)).toBe(true);
  });

  it.each([
    ["main", "main", true],
    ["release/*", "release/1.2", true],
    ["release/*", "release/1/2", false],
    ["release/**", "release/1/2", true],
    ["v?", "v1", true],
    ["v?", "v/", false],
    ["a.b", "axb", false],
  ])("%s matches %s: %s", (glob, text, expected) => {
    expect(compileGlob(glob).test(text)).toBe(expected);
  });
});
