import { describe, expect, it } from "vitest";
import { cutText, oneLine } from "../../../src/text/one-line.ts";

describe("cutText, the one text-cutting helper", () => {
  it("counts code points by default: an emoji is one", () => {
    expect(cutText("🔥🔥🔥", 3)).toBe("🔥🔥🔥");
    expect(cutText("🔥🔥🔥🔥", 3)).toBe("🔥🔥…");
  });

  it("counts UTF-16 units for receivers that do, never leaving half a pair", () => {
    const cut = cutText("ab🔥cd", 4, "utf-16");
    expect(cut).toBe("ab…");
    expect(cut.length).toBeLessThanOrEqual(4);
  });

  it("oneLine flattens whitespace, then cuts", () => {
    expect(oneLine("a\n\tb   c", 200)).toBe("a b c");
    expect(oneLine("abcdef", 4)).toBe("abc…");
  });
});
