import type { FailedAt } from "./event.ts";
import { cutText, oneLine } from "./text/one-line.ts";
import { EXCERPT_LINE_MAX, EXCERPT_MAX_CHARS, EXCERPT_MAX_LINES } from "./why/excerpt-bounds.ts";
import { errorSignature } from "./why/signature.ts";

/** Bounds of `failedAt` (src/event.ts): enough to say what broke, never a log dump in a message or a record. */
export const MAX_FAILED_JOBS = 10;
export const MAX_FAILED_AT_TEXT = 200;

export interface FailedJob {
  readonly name: string;
  readonly stage?: string | null | undefined;
  readonly url?: string | null | undefined;
  readonly step?: string | null | undefined;
  readonly error?: string | null | undefined;
  readonly jobId?: number | null | undefined;
  /** undefined: not looked up; null: looked up, nothing to show. */
  readonly excerpt?: readonly string[] | null | undefined;
  /** Given by whoever read the key error line; otherwise derived from `error`. */
  readonly signature?: string | null | undefined;
}

/** One line, trimmed, at most MAX_FAILED_AT_TEXT code points ("…" marks a cut); null when empty. */
const line = (text: string | null | undefined): string | null => {
  const flat = oneLine(text ?? "", MAX_FAILED_AT_TEXT);
  return flat === "" ? null : flat;
};

/**
 * An excerpt within its bounds whoever built it: at most EXCERPT_MAX_LINES lines, each one line of at most
 * EXCERPT_LINE_MAX code points (leading spaces kept: they show a stack or a diff), EXCERPT_MAX_CHARS in all.
 */
const excerptOf = (lines: readonly string[] | null | undefined): string[] | null | undefined => {
  if (lines === undefined || lines === null) return lines;
  const kept: string[] = [];
  let total = 0;
  for (const raw of lines.slice(0, EXCERPT_MAX_LINES)) {
    const flat = raw.replace(/\s/g, " ").trimEnd();
    const text = cutText(flat, EXCERPT_LINE_MAX);
    const size = Math.min(Array.from(flat).length, EXCERPT_LINE_MAX) + (kept.length > 0 ? 1 : 0);
    if (total + size > EXCERPT_MAX_CHARS) break;
    kept.push(text);
    total += size;
  }
  return kept.length === 0 ? null : kept;
};

const SIGNATURE = /^[0-9a-f]{16}$/;

/**
 * The `failedAt` of an event, from the failed jobs a source reports: each string on one line and bounded,
 * at most MAX_FAILED_JOBS jobs (the first ones, in the order given). null when there is no job to name.
 * A fresh object is built field by field: nothing from a payload is carried over wholesale. `site` (the
 * repository, project or Netlify site) is left out of a signature derived from `error`.
 */
export const failedAt = (jobs: readonly FailedJob[], site: string | null = null): FailedAt | null => {
  const bounded = jobs.slice(0, MAX_FAILED_JOBS).flatMap((job) => {
    const name = line(job.name);
    if (name === null) return [];
    const error = line(job.error);
    const excerpt = excerptOf(job.excerpt);
    const signature =
      job.signature !== undefined && job.signature !== null && SIGNATURE.test(job.signature)
        ? job.signature
        : errorSignature(error, site);
    return [
      {
        name,
        stage: line(job.stage),
        // A URL is not cut (a cut one would lead nowhere): one that is too long is left out.
        url: job.url && job.url.length <= 1000 && !/\s/.test(job.url) ? job.url : null,
        step: line(job.step),
        error,
        ...(job.jobId !== undefined && job.jobId !== null && Number.isSafeInteger(job.jobId)
          ? { jobId: job.jobId }
          : {}),
        ...(excerpt === undefined ? {} : { excerpt }),
        signature,
      },
    ];
  });
  return bounded.length === 0 ? null : { jobs: bounded };
};
