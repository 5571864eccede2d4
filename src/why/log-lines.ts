/**
 * A CI log → clean lines, each with what it means to the excerpt (docs/architecture.md, "Why it failed").
 * What is removed: ANSI escape sequences (colours, cursor moves, OSC titles and links), the timestamps
 * GitHub puts at the start of every line (`2026-12-07T10:00:00.1234567Z `) and GitLab's (`FF_TIMESTAMPS`:
 * `2026-12-07T10:00:00.123456Z 00O `), a carriage return's overwritten text (progress bars keep their last
 * state), control characters and bidirectional overrides (text that reads one way and runs another).
 * What is recognised: GitHub's `##[group]` / `##[endgroup]` / `##[error]` commands and GitLab's
 * `section_start:<ts>:<name>` / `section_end:<ts>:<name>` markers, which arrive followed by `\r\e[0K`.
 */

export type LogLine =
  | { readonly kind: "text"; readonly text: string }
  /** `##[error]…` (GitHub): an error the runner or the step itself reported. */
  | { readonly kind: "error"; readonly text: string }
  | { readonly kind: "group"; readonly text: string }
  | { readonly kind: "endgroup" }
  | { readonly kind: "section-start"; readonly name: string; readonly text: string }
  | { readonly kind: "section-end"; readonly name: string };

/** CSI (`ESC [ … final`), OSC (`ESC ] … BEL` or `ESC \`), and two-character escapes. */
const ANSI =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the escape sequences to remove
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]|\u009b[0-?]*[ -/]*[@-~]/g;
const TIMESTAMP = /^\uFEFF?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z(?: [0-9a-f]{2}[OE]\+?)? ?/;
/** C0 and C1 controls but tab, DEL, bidi embeddings, overrides and isolates, BOMs and other format marks. */
const CONTROLS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: GitLab's markers end with ESC [ 0 K
const SECTION = /section_(start|end):\d+:([A-Za-z0-9_.-]+)(?:\[[^\]\r\n]*\])?\r?(?:\u001b\[0?K)?/;

/** The text a terminal would show for one raw line: no colours, no overwritten part, no controls. */
export const cleanText = (raw: string): string => {
  const noAnsi = raw.replace(ANSI, "");
  // A carriage return rewinds the cursor: what follows the last one (if anything) is what stays shown.
  const segments = noAnsi.split("\r").filter((segment) => segment !== "");
  const shown = segments[segments.length - 1] ?? "";
  return shown.replace(TIMESTAMP, "").replace(/\t/g, "  ").replace(CONTROLS, "").trimEnd();
};

const classify = (raw: string, out: LogLine[]): void => {
  const section = SECTION.exec(raw);
  if (section) {
    const before = raw.slice(0, section.index);
    if (cleanText(before) !== "") classify(before, out);
    const rest = raw.slice(section.index + section[0].length);
    const name = section[2] ?? "";
    if (section[1] === "start") out.push({ kind: "section-start", name, text: cleanText(rest) });
    else {
      out.push({ kind: "section-end", name });
      if (cleanText(rest) !== "") classify(rest, out);
    }
    return;
  }
  const text = cleanText(raw);
  if (text.startsWith("##[error]")) out.push({ kind: "error", text: text.slice(9).trim() });
  else if (text.startsWith("##[group]")) out.push({ kind: "group", text: text.slice(9).trim() });
  else if (text.startsWith("##[endgroup]")) out.push({ kind: "endgroup" });
  else if (text.startsWith("##[") && /^##\[(?:debug|command|section)\]/.test(text)) return;
  else out.push({ kind: "text", text: text.replace(/^##\[(?:warning|notice)\]/, "") });
};

/**
 * Every line of `log`, cleaned and classified. `log` may start in the middle of a line (a tail): pass
 * `partialStart` and that first fragment is dropped. Very long lines are kept whole here; the excerpt cuts
 * them (select-excerpt.ts).
 */
export const logLines = (log: string, partialStart = false): LogLine[] => {
  const raws = log.split("\n");
  if (partialStart) raws.shift();
  const out: LogLine[] = [];
  for (const raw of raws) classify(raw, out);
  return out;
};
