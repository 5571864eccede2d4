import { describe, expect, it } from "vitest";
import { printable } from "../../../src/text/printable.ts";
import { REDACTED, redact } from "../../../src/text/redact.ts";

describe("redact", () => {
  it.each([
    ["invalid_auth for xoxb-1234-5678-abcdefABCDEF", "invalid_auth for [redacted]"],
    ["token xapp-1-A0-123-abc leaked", "token [redacted] leaked"],
    ["ghp_0123456789abcdefghijABCDEFGHIJ0123 refused", "[redacted] refused"],
    ["github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "[redacted]"],
    ["PRIVATE-TOKEN glpat-abcdefghijklmnopqrst", "PRIVATE-TOKEN [redacted]"],
    ["Authorization: Bearer abc.def-ghi", "Authorization: [redacted]"],
    ["posted to https://hooks.slack.com/services/T0/B0/secret", "posted to [redacted]"],
    ["nothing to see", "nothing to see"],
  ])("%s", (text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it("masks the exact secrets it is given, the longest first", () => {
    expect(redact("a hunter2 and hunter22", ["hunter2", "hunter22"])).toBe(`a ${REDACTED} and ${REDACTED}`);
    // Too short to be a secret worth masking (it would eat ordinary words).
    expect(redact("abc", ["abc"])).toBe("abc");
  });
});

describe("printable", () => {
  it("replaces what a terminal would obey: escapes, bells, C1, bidi overrides", () => {
    expect(printable("site\u001b]0;pwned\u0007\u001b[2Jname")).toBe("site ]0;pwned [2Jname");
    expect(printable("a\u202egnp.exe\u009bb")).toBe("a gnp.exe b");
    expect(printable("line\nnext", { keepNewlines: true })).toBe("line\nnext");
    expect(printable("line\nnext")).toBe("line next");
  });
});
