import type { FailedAt } from "./event.ts";

/** Bounds of `failedAt` (src/event.ts): enough to say what broke, never a log dump in a message or a record. */
export const MAX_FAILED_JOBS = 10;
export const MAX_FAILED_AT_TEXT = 200;

export interface FailedJob {
  readonly name: string;
  readonly stage?: string | null | undefined;
  readonly url?: string | null | undefined;
  readonly step?: string | null | undefined;
  readonly error?: string | null | undefined;
}

/** One line, trimmed, at most MAX_FAILED_AT_TEXT code points ("…" marks a cut); null when empty. */
const line = (text: string | null | undefined): string | null => {
  const flat = text?.replace(/\s+/g, " ").trim() ?? "";
  if (flat === "") return null;
  const characters = Array.from(flat);
  return characters.length <= MAX_FAILED_AT_TEXT
    ? flat
    : `${characters.slice(0, MAX_FAILED_AT_TEXT - 1).join("")}…`;
};

/**
 * The `failedAt` of an event, from the failed jobs a source reports: each string on one line and bounded,
 * at most MAX_FAILED_JOBS jobs (the first ones, in the order given). null when there is no job to name.
 * A fresh object is built field by field: nothing from a payload is carried over wholesale.
 */
export const failedAt = (jobs: readonly FailedJob[]): FailedAt | null => {
  const bounded = jobs.slice(0, MAX_FAILED_JOBS).flatMap((job) => {
    const name = line(job.name);
    if (name === null) return [];
    return [
      {
        name,
        stage: line(job.stage),
        // A URL is not cut (a cut one would lead nowhere): one that is too long is left out.
        url: job.url && job.url.length <= 1000 && !/\s/.test(job.url) ? job.url : null,
        step: line(job.step),
        error: line(job.error),
      },
    ];
  });
  return bounded.length === 0 ? null : { jobs: bounded };
};
