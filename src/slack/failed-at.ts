import type { FailedAt, RunEvent } from "../event.ts";
import { bounded, SECTION_TEXT_MAX } from "./blocks.ts";
import { codeBlock, escapeTruncated, link } from "./escape.ts";
import type { Block } from "./message.ts";

const LABEL_MAX = 300;
/** The short error's code block, fences included (failedAt bounds the error to 200 characters, unescaped). */
const ERROR_BLOCK_MAX = 600;
const LABEL = "*Failed at*";

type FailedJob = FailedAt["jobs"][number];

/**
 * What failed, as people name it: `Build › Run hugo --minify` (GitHub job › step), `build › hugo` (GitLab
 * stage › job), `Netlify build › building site`. Plain text, not escaped: callers escape it.
 */
export const failedAtLabel = (job: FailedJob): string =>
  [job.stage, job.name, job.step].filter((part) => part !== null && part !== "").join(" › ");

/** The label of the first failed job of an event, or null when its source could not say. */
export const firstFailedLabel = (event: RunEvent): string | null => {
  const first = event.failedAt?.jobs[0];
  return first ? failedAtLabel(first) : null;
};

/** The excerpt's code block in a failure message, fences included (the excerpt is ≤ 1,500 unescaped). */
export const EXCERPT_BLOCK_MAX = 2_000;

/**
 * A log excerpt as a mrkdwn code block of at most `max` characters: escaped like any payload text (no
 * mention, no link), and every backtick turned into a look-alike (ˋ, U+02CB) so that nothing in a log can
 * close the block and format what follows. Lines are cut whole when the block would be too long.
 */
export const excerptBlock = (lines: readonly string[], max: number): string => {
  const room = max - 6;
  let body = "";
  for (const line of lines) {
    const escaped = escapeTruncated(line.replaceAll("`", "\u02cb"), room);
    const next = body === "" ? escaped : `${body}\n${escaped}`;
    if (next.length > room) break;
    body = next;
  }
  return `\`\`\`${body === "" ? "…" : body}\`\`\``;
};

/** The first failed job that has an excerpt to show. */
export const firstExcerpt = (event: RunEvent): FailedJob | null =>
  event.failedAt?.jobs.find((job) => (job.excerpt?.length ?? 0) > 0) ?? null;

/**
 * One failed job: its label linked to the job's log, then on the next lines why it failed: its log excerpt
 * (for the first job that has one) in a code block, else its short error. Every payload string is escaped
 * for mrkdwn (`link` escapes its label, `codeBlock` and `excerptBlock` their text), so a job name, an error
 * or a log line can never mention anyone, forge a link or break out of its block.
 */
const jobLines = (job: FailedJob, withExcerpt: boolean): string => {
  const label = link(bounded(job.url), failedAtLabel(job), LABEL_MAX);
  if (withExcerpt && job.excerpt && job.excerpt.length > 0) {
    return `${label}\n${excerptBlock(job.excerpt, EXCERPT_BLOCK_MAX)}`;
  }
  return job.error ? `${label}\n${codeBlock(job.error, ERROR_BLOCK_MAX)}` : label;
};

/**
 * The "Failed at" section of a failure message, from the event's `failedAt` (src/event.ts): which jobs
 * failed, so that a reader tells a broken build from a broken upload without opening the logs. null when
 * the source could not say. Within Slack's section limit whatever the jobs: what does not fit is counted.
 */
export const failedAtSection = (event: RunEvent): Block | null => {
  const jobs = event.failedAt?.jobs ?? [];
  if (jobs.length === 0) return null;
  let text = LABEL;
  let shown = 0;
  const excerpted = firstExcerpt(event);
  for (const job of jobs) {
    const lines = `\n${jobLines(job, job === excerpted)}`;
    // Room is kept for the "…and N more" line.
    if (text.length + lines.length > SECTION_TEXT_MAX - 40) break;
    text += lines;
    shown += 1;
  }
  if (shown < jobs.length) text += `\n…and ${jobs.length - shown} more`;
  return { type: "section", text: { type: "mrkdwn", text } };
};
