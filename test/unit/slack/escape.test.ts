import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeMrkdwn, escapeTruncated, httpUrl, link, truncate } from "../../../src/slack/escape.ts";

/** After escaping, the only `&` left start one of our three entities, and no `<` or `>` is left at all. */
const inert = (text: string): boolean => !/[<>]/.test(text) && !/&(?!amp;|lt;|gt;)/.test(text);

describe("escapeMrkdwn", () => {
  it.each([
    ["<!channel>", "&lt;!channel&gt;"],
    ["<!here>", "&lt;!here&gt;"],
    ["<!everyone> deploy", "&lt;!everyone&gt; deploy"],
    ["<@U1>", "&lt;@U1&gt;"],
    ["<#C123|general>", "&lt;#C123|general&gt;"],
    ["<!subteam^S123>", "&lt;!subteam^S123&gt;"],
    ["<https://x|y>", "&lt;https://x|y&gt;"],
    ["<!date^1392734382^{date}|x>", "&lt;!date^1392734382^{date}|x&gt;"],
    ["a & b", "a &amp; b"],
    ["&amp; already", "&amp;amp; already"],
    ["1 < 2 > 0", "1 &lt; 2 &gt; 0"],
    ["*bold* _it_ `code` ~s~ @channel", "*bold* _it_ `code` ~s~ @channel"],
    ["", ""],
  ])("%j → %j", (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });

  it("leaves every string inert", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (text) => inert(escapeMrkdwn(text))));
  });
});

describe("truncate", () => {
  it("returns short text unchanged", () => {
    expect(truncate("hello", 5)).toBe("hello");
    expect(truncate("", 0)).toBe("");
  });

  it.each([
    ["hello world", 8, "hello w…"],
    ["hello world", 7, "hello…"],
    ["abc", 1, "…"],
    ["abc", 0, ""],
  ])("truncate(%j, %i) = %j", (input, max, expected) => {
    expect(truncate(input, max)).toBe(expected);
  });

  it("never splits a surrogate pair", () => {
    // "👍" is two UTF-16 units; a cut after the first would leave a lone surrogate.
    expect(truncate("ab👍cd", 4)).toBe("ab…");
    expect(truncate("ab👍cd", 5)).toBe("ab👍…");
  });

  it.each([
    ["x &amp; y", 4],
    ["x &amp; y", 5],
    ["x &amp; y", 6],
    ["x &amp; y", 7],
    ["x &lt;!channel&gt;", 5],
    ["x &lt;!channel&gt;", 6],
    ["x &gt; y", 5],
  ])("never cuts inside an entity: truncate(%j, %i)", (input, max) => {
    const out = truncate(input, max);
    expect(out.length).toBeLessThanOrEqual(max);
    expect(out).toBe("x…");
  });

  it("keeps a whole entity that fits", () => {
    expect(truncate("x &amp; yz", 8)).toBe("x &amp;…");
  });

  it("is bounded, ends in …, and never leaves a partial entity or lone surrogate (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 80 }),
        fc.integer({ min: 1, max: 120 }),
        (raw, max) => {
          const out = escapeTruncated(raw, max);
          expect(out.length).toBeLessThanOrEqual(max);
          expect(inert(out.replace(/…$/, ""))).toBe(true);
          expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
          if (out !== escapeMrkdwn(raw)) expect(out.endsWith("…") || out === "").toBe(true);
        },
      ),
    );
  });
});

describe("httpUrl", () => {
  it.each([
    ["https://github.com/acme/site/actions/runs/1", "https://github.com/acme/site/actions/runs/1"],
    ["http://localhost:8888/x", "http://localhost:8888/x"],
    ["javascript:alert(1)", null],
    ["data:text/html,hi", null],
    ["mailto:a@b.c", null],
    ["/relative/path", null],
    ["not a url", null],
    ["", null],
    [null, null],
  ])("%j → %j", (input, expected) => {
    expect(httpUrl(input)).toBe(expected);
  });
});

describe("link", () => {
  it("links an http(s) URL with an escaped label", () => {
    expect(link("https://github.com/acme/site", "acme/site")).toBe(
      "<https://github.com/acme/site|acme/site>",
    );
    expect(link("https://x.test/", "<!channel> & co")).toBe("<https://x.test/|&lt;!channel&gt; &amp; co>");
  });

  it("gives only the escaped label for a URL that is not http(s)", () => {
    expect(link("javascript:alert(1)", "click <here>")).toBe("click &lt;here&gt;");
    expect(link(null, "acme/site")).toBe("acme/site");
    expect(link("nope", "a|b")).toBe("a|b");
  });

  it("percent-encodes | < > in the URL and writes & as &amp;", () => {
    const out = link("https://x.test/a|b?q=<x>&r=1#f>g", "label");
    expect(out).toBe("<https://x.test/a%7Cb?q=%3Cx%3E&amp;r=1#f%3Eg|label>");
    // One `<` opening the link, one `>` closing it, one `|` separating target and label.
    expect(out.match(/</g)).toHaveLength(1);
    expect(out.match(/>/g)).toHaveLength(1);
    expect(out.match(/\|/g)).toHaveLength(1);
  });

  it("cannot be broken out of by a hostile label", () => {
    const out = link("https://x.test/", "y> <!channel> <https://evil.test|click");
    expect(out).toBe("<https://x.test/|y&gt; &lt;!channel&gt; &lt;https://evil.test|click>");
  });

  it("keeps the label on one line and bounds it", () => {
    expect(link("https://x.test/", "a\nb\t c")).toBe("<https://x.test/|a b c>");
    expect(link("https://x.test/", "&&&&&&&&", 12)).toBe("<https://x.test/|&amp;&amp;…>");
  });

  it("falls back to the URL alone for an empty label", () => {
    expect(link("https://x.test/", "  ")).toBe("<https://x.test/>");
  });
});
