import { cutText } from "../text/one-line.ts";
import { isErrorLine, isGenericError, isStackFrame } from "./error-lines.ts";
import { EXCERPT_LINE_MAX, EXCERPT_MAX_CHARS, EXCERPT_MAX_LINES } from "./excerpt-bounds.ts";
import { type LogLine, logLines } from "./log-lines.ts";
import { maskSecrets } from "./mask-secrets.ts";

export { EXCERPT_LINE_MAX, EXCERPT_MAX_CHARS, EXCERPT_MAX_LINES };

/**
 * The excerpt of a failed job's log: at most 12 lines of at most 200 characters, 1,500 in all, from the
 * step (GitHub) or section (GitLab) that failed, around its first telling error line, else that step's last
 * lines; every line masked (mask-secrets.ts). Pure and bounded: a log longer than MAX_LOG_CHARS is read from
 * its tail only (the error is at the end), a line longer than a few thousand characters is cut before it
 * is looked at. docs/architecture.md, "Why it failed".
 */
/** What is read of a log: its tail (2 MiB of text at most; fetch-log.ts reads no more bytes than that). */
export const MAX_LOG_CHARS = 2 * 1024 * 1024;
/** How much of the key error line is shown, wrapped on lines of EXCERPT_LINE_MAX. */
const KEY_SHOWN_MAX = EXCERPT_LINE_MAX + 2 * (EXCERPT_LINE_MAX - 2);
/** How much of the key error line is signed. */
const KEY_MAX = 1_000;
/** Lines of context kept above the key error line. */
const CONTEXT_BEFORE = 2;
/** A line is looked at (masked, matched) up to here only: a 100 KB line costs no more than a short one. */
const LINE_SCAN_MAX = 4_000;

export interface Excerpt {
  readonly lines: readonly string[];
  /**
   * The line that says what went wrong (masked, at most KEY_MAX characters), for the signature; the last
   * line shown when none does.
   */
  readonly key: string;
}

interface Item {
  readonly text: string;
  /** `##[error]` from the runner or the step. */
  readonly reported: boolean;
}

interface Block {
  readonly name: string;
  /** Steps after the failed one and runner housekeeping: never where a job failed. */
  readonly after: boolean;
  readonly items: Item[];
}

/** GitLab sections that run whatever happened: a failure is not theirs unless nothing else failed. */
const HOUSEKEEPING =
  /^(?:cleanup_file_variables|upload_artifacts_on_(?:failure|success)|archive_cache(?:_on_failure)?|after_script|cleanup.*)$/;
const POST_STEP = /^(?:Post job cleanup\.|Cleaning up orphan processes)$/;

const blocksOf = (lines: readonly LogLine[]): Block[] => {
  const blocks: Block[] = [];
  const sections: string[] = [];
  let current: Block = { name: "", after: false, items: [] };
  let inStepHeader = false;
  const start = (name: string, after: boolean) => {
    if (current.items.length > 0) blocks.push(current);
    current = { name, after, items: [] };
  };
  for (const line of lines) {
    switch (line.kind) {
      case "group":
        // `##[group]Run …` opens a step; the group then lists its script, `with:` and `env:` (not output).
        if (line.text.startsWith("Run ")) {
          start(line.text.slice(4), current.after);
          inStepHeader = true;
        } else if (line.text !== "" && !inStepHeader)
          current.items.push({ text: line.text, reported: false });
        break;
      case "endgroup":
        inStepHeader = false;
        break;
      case "section-start":
        sections.push(line.name);
        start(line.name, HOUSEKEEPING.test(line.name));
        if (line.text !== "") current.items.push({ text: line.text, reported: false });
        break;
      case "section-end": {
        const at = sections.lastIndexOf(line.name);
        if (at !== -1) sections.splice(at);
        // Between sections, only the runner speaks ("ERROR: Job failed: exit code 1"): never the failed step.
        const parent = sections[sections.length - 1];
        start(parent ?? "", parent === undefined || HOUSEKEEPING.test(parent));
        break;
      }
      case "error":
        inStepHeader = false;
        if (line.text !== "") current.items.push({ text: line.text, reported: true });
        break;
      case "text":
        if (POST_STEP.test(line.text)) {
          start("post", true);
          inStepHeader = false;
        } else if (!inStepHeader && line.text.trim() !== "") {
          current.items.push({ text: line.text, reported: false });
        }
        break;
    }
  }
  if (current.items.length > 0) blocks.push(current);
  return blocks;
};

const telling = (item: Item): boolean =>
  (item.reported || isErrorLine(item.text)) && !isGenericError(item.text);
const anyError = (item: Item): boolean => item.reported || isErrorLine(item.text);

/**
 * The failed step: the one holding the first `##[error]` (GitHub's runner reports every failed step so),
 * else the last one with a telling error, else the last with any error, else the last one that ran.
 */
const failedBlock = (blocks: readonly Block[]): Block | null => {
  const steps = blocks.filter((block) => !block.after);
  return (
    steps.find((block) => block.items.some((item) => item.reported)) ??
    steps.findLast((block) => block.items.some(telling)) ??
    steps.findLast((block) => block.items.some(anyError)) ??
    steps[steps.length - 1] ??
    blocks.find((block) => block.items.some(anyError)) ??
    blocks[blocks.length - 1] ??
    null
  );
};

/** At most `max` code points, "…" marking a cut. */
const cut = cutText;

/** `line` on lines of at most EXCERPT_LINE_MAX code points, the continuations indented. */
const wrap = (line: string): string[] => {
  const characters = Array.from(line);
  if (characters.length <= EXCERPT_LINE_MAX) return [line];
  const pieces = [characters.slice(0, EXCERPT_LINE_MAX).join("")];
  for (let at = EXCERPT_LINE_MAX; at < characters.length; at += EXCERPT_LINE_MAX - 2) {
    pieces.push(`  ${characters.slice(at, at + EXCERPT_LINE_MAX - 2).join("")}`);
  }
  return pieces;
};

/** A line as it may be kept: cut to LINE_SCAN_MAX first, masked, then cut to `max` (EXCERPT_LINE_MAX). */
const keepable = (text: string, max = EXCERPT_LINE_MAX): string => {
  // Cut far beyond what is shown: a token the cut splits could only come into view if masking removed
  // thousands of characters before it.
  const scanned = text.length > LINE_SCAN_MAX ? text.slice(0, LINE_SCAN_MAX) : text;
  return cut(maskSecrets(scanned).trimEnd(), max);
};

/** The lines to show from `items`, starting at `from`: repeated stack frames and generic errors dropped. */
const windowFrom = (items: readonly Item[], from: number, key: number): string[] => {
  const lines: string[] = [];
  let total = 0;
  let previousFrame = false;
  for (let i = from; i < items.length && lines.length < EXCERPT_MAX_LINES; i++) {
    const item = items[i];
    if (item === undefined) break;
    const frame = isStackFrame(item.text);
    // A stack's first frame says where; the others only fill the excerpt.
    if (frame && previousFrame) continue;
    previousFrame = frame;
    if (i > key && isGenericError(item.text)) continue;
    // The key line is wrapped rather than cut (a Hugo error names the missing partial after 300 characters).
    const pieces = i === key ? wrap(keepable(item.text, KEY_SHOWN_MAX)) : [keepable(item.text)];
    for (const line of pieces) {
      const size = Array.from(line).length + (lines.length > 0 ? 1 : 0);
      if (total + size > EXCERPT_MAX_CHARS || lines.length >= EXCERPT_MAX_LINES) return lines;
      lines.push(line);
      total += size;
    }
  }
  return lines;
};

/**
 * The excerpt of one job's log, or null when the log has no line to show. `partialStart`: `log` is a tail
 * that may begin in the middle of a line (that fragment is not shown).
 */
export const selectExcerpt = (log: string, options: { partialStart?: boolean } = {}): Excerpt | null => {
  const tail = log.length > MAX_LOG_CHARS;
  const text = tail ? log.slice(-MAX_LOG_CHARS) : log;
  const blocks = blocksOf(logLines(text, tail || options.partialStart === true));
  const block = failedBlock(blocks);
  if (block === null) return null;
  const { items } = block;
  let key = items.findIndex(telling);
  if (key === -1) key = items.findIndex(anyError);
  if (key === -1) {
    // No error line: the step's last lines, which show where it stopped.
    let from = items.length;
    let total = 0;
    while (from > 0 && items.length - from < EXCERPT_MAX_LINES) {
      const size = Math.min(Array.from(items[from - 1]?.text ?? "").length, EXCERPT_LINE_MAX) + 1;
      if (total + size > EXCERPT_MAX_CHARS) break;
      total += size;
      from -= 1;
    }
    const lines = windowFrom(items, from, items.length);
    const last = lines[lines.length - 1];
    return last === undefined ? null : { lines, key: last };
  }
  const lines = windowFrom(items, Math.max(0, key - CONTEXT_BEFORE), key);
  // The key is signed whole (up to KEY_MAX): cut at 200, two sites' same error would be cut apart.
  const keyItem = items[key];
  return lines.length === 0 || keyItem === undefined ? null : { lines, key: keepable(keyItem.text, KEY_MAX) };
};
