import { describe, expect, it } from "vitest";
import { escapeMarkdown, fencedCode, linkTarget } from "../../../src/destinations/escape-markdown.ts";

describe("escapeMarkdown", () => {
  it.each([
    ["**bold** _it_ ~~s~~ `code`", "\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~ \\`code\\`"],
    ["[click](https://evil.example)", "\\[click\\]\\(https://evil.example\\)"],
    ["<@123> <#456> <at>Boss</at>", "\\<@123\\> \\<\\#456\\> \\<at\\>Boss\\</at\\>"],
    ["{{DATE(2017-02-14T06:00:00Z)}}", "\\{\\{DATE\\(2017-02-14T06:00:00Z\\)\\}\\}"],
    [
      "# title\n> quote\n- item\n+ item\n1. one\n-# small",
      "\\# title\n\\> quote\n\\- item\n\\+ item\n1\\. one\n\\-\\# small",
    ],
    ["a \\ b | c ! d", "a \\\\ b \\| c \\! d"],
    ["ping @everyone and @here", "ping @\u200beveryone and @\u200bhere"],
    ["acme/site-1 v1.2 (main)", "acme/site-1 v1.2 \\(main\\)"],
  ])("%j → %j", (input, output) => {
    expect(escapeMarkdown(input)).toBe(output);
  });

  it("a fence is never closed early by backticks in the code", () => {
    expect(fencedCode(["a ``` b"])).toBe("```\na `\u200b`\u200b` b\n```");
  });

  it("a link target cannot end early or carry Markdown", () => {
    expect(linkTarget("https://x.example/a(b)[c] d*e_f")).toBe(
      "https://x.example/a%28b%29%5Bc%5D%20d%2Ae%5Ff",
    );
  });
});
