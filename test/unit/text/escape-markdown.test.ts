import { describe, expect, it } from "vitest";
import { escapeMarkdown } from "../../../src/text/escape-markdown.ts";

describe("escapeMarkdown", () => {
  it.each([
    ["@channel @here @all @everyone", "@\u200bchannel @\u200bhere @\u200ball @\u200beveryone"],
    ["[prize](https://evil.example)", "\\[prize\\]\\(https://evil.example\\)"],
    ["![](https://evil.example/p.png)", "!\\[\\]\\(https://evil.example/p.png\\)"],
    ["*a* **b** _c_ ~d~ `e`", "\\*a\\* \\*\\*b\\*\\* \\_c\\_ \\~d\\~ \\`e\\`"],
    ["<b>x</b> &amp; | \\", "\\<b\\>x\\</b\\> \\&amp; \\| \\\\"],
    [
      "# title\n> quote\n- item\n+ item\n1. one\n2) two",
      "\\# title\n\\> quote\n\\- item\n\\+ item\n1\\. one\n2\\) two",
    ],
    [
      "mail@example.com stays, release-1.2 and a # b too",
      "mail@example.com stays, release-1.2 and a # b too",
    ],
  ])("%j", (text, expected) => {
    expect(escapeMarkdown(text)).toBe(expected);
  });
});
