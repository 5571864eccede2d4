/**
 * Text from an API (a hook's URL, a site's name, an error message) printed on the operator's terminal by
 * `setup` and `doctor`, without what a terminal would obey: C0 and C1 control characters (ESC starts an
 * escape sequence that can rewrite the screen or set the window title), DEL, and the bidirectional
 * marks and overrides that reorder what is shown. Each is replaced by a space, then runs of spaces are
 * one. `keepNewlines` keeps `\n` (a whole multi-line report of vigie's own).
 */
const unprintable = (code: number): boolean =>
  code <= 0x1f ||
  (code >= 0x7f && code <= 0x9f) ||
  code === 0x200e ||
  code === 0x200f ||
  (code >= 0x202a && code <= 0x202e) ||
  (code >= 0x2066 && code <= 0x2069);

export const printable = (text: string, options: { readonly keepNewlines?: boolean } = {}): string => {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    out += unprintable(code) && !(options.keepNewlines && char === "\n") ? " " : char;
  }
  return options.keepNewlines ? out : out.replace(/ {2,}/g, " ").trim();
};
