import type { FailedAt, RunEvent } from "../event.ts";
import { bounded, SECTION_TEXT_MAX } from "./blocks.ts";
import { codeBlock, link } from "./escape.ts";
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

/**
 * One failed job: its label linked to the job's log, then the short error in a code block on the next line
 * when there is one. Every payload string is escaped for mrkdwn (`link` escapes its label, `codeBlock` its
 * text), so a job name or an error can never mention anyone or forge a link.
 */
const jobLines = (job: FailedJob): string => {
  const label = link(bounded(job.url), failedAtLabel(job), LABEL_MAX);
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
  for (const job of jobs) {
    const lines = `\n${jobLines(job)}`;
    // Room is kept for the "…and N more" line.
    if (text.length + lines.length > SECTION_TEXT_MAX - 40) break;
    text += lines;
    shown += 1;
  }
  if (shown < jobs.length) text += `\n…and ${jobs.length - shown} more`;
  return { type: "section", text: { type: "mrkdwn", text } };
};
