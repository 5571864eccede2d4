import type { RunEvent } from "../event.ts";
import { bounded, SECTION_TEXT_MAX } from "./blocks.ts";
import { escapeTruncated, link } from "./escape.ts";
import type { Block } from "./message.ts";

const LABEL_MAX = 300;
const ERROR_MAX = 200;
const LABEL = "*Failed at*\n";

/**
 * One failed job on one line: `build › hugo (script_failure)`, the stage and job (and step when known)
 * linked to the job's log, the short error after it. Every payload string is escaped for mrkdwn (`link`
 * escapes its label), so a job name can never mention anyone or forge a link.
 */
const jobLine = (job: NonNullable<RunEvent["failedAt"]>["jobs"][number]): string => {
  const label = [job.stage, job.name, job.step].filter((part) => part !== null && part !== "").join(" › ");
  const url = bounded(job.url);
  const error = job.error ? ` (${escapeTruncated(job.error, ERROR_MAX)})` : "";
  return `${link(url, label, LABEL_MAX)}${error}`;
};

/**
 * The "Failed at" section of a failure message, from the event's `failedAt` (src/event.ts): which jobs
 * failed, so that a reader tells a broken build from a broken upload without opening the logs. null when
 * the source could not say. Within Slack's section limit whatever the jobs: what does not fit is counted.
 */
export const failedAtSection = (event: RunEvent): Block | null => {
  const jobs = event.failedAt?.jobs ?? [];
  if (jobs.length === 0) return null;
  let text = LABEL.trimEnd();
  let shown = 0;
  for (const job of jobs) {
    const line = `\n${jobLine(job)}`;
    // Room is kept for the "…and N more" line.
    if (text.length + line.length > SECTION_TEXT_MAX - 40) break;
    text += line;
    shown += 1;
  }
  if (shown < jobs.length) text += `\n…and ${jobs.length - shown} more`;
  return { type: "section", text: { type: "mrkdwn", text } };
};
