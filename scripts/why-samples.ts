/**
 * What GITHUB_TOKEN reads of a failed step's log, for the pictures of scripts/render-messages.ts: real-shaped
 * GitHub job logs of the acme theme's storm (a Hugo template error, an npm 404, an rsync timeout) through the
 * real excerpt selection and error signature (src/why/), as src/sources/detail-failure.ts does with a log it
 * fetched. Each site's log names its own workspace; the signature does not, so one error is one group.
 */
import type { FailedAt, FailureEvent } from "../src/event.ts";
import { failedAt } from "../src/failed-at.ts";
import { formatExcerptReply } from "../src/slack/format.ts";
import type { SlackMessage } from "../src/slack/message.ts";
import { selectExcerpt } from "../src/why/select-excerpt.ts";
import { errorSignature } from "../src/why/signature.ts";

export type StepLog = "hugo" | "npm" | "rsync";

interface FailedStep {
  readonly job: string;
  readonly step: string;
  /** The step's command, as GitHub's log opens its group. */
  readonly run: string;
  readonly lines: (workspace: string) => string[];
  readonly end: string;
}

const HUGO_HOST = "linux/amd64 BuildDate=2025-02-26T15:41:25Z VendorInfo=gohugoio";

const STEPS: Readonly<Record<StepLog, FailedStep>> = {
  hugo: {
    job: "Build",
    step: "Run hugo --minify",
    run: "hugo --minify",
    lines: (workspace) => [
      "Start building sites … ",
      `hugo v0.145.0-666444f0a52132f9fec9f71cf25b441cc6a4f355+extended ${HUGO_HOST}`,
      `ERROR render of "home" failed: "${workspace}/themes/acme-theme/layouts/_default/baseof.html:12:5": execute of template failed: template: _default/baseof.html:12:5: executing "main" at <partial "spring-banner.html" .>: error calling partial: partial "spring-banner.html" not found`,
      "Total in 412 ms",
      `Error: error building site: render: failed to render pages: render of "home" failed: "${workspace}/themes/acme-theme/layouts/_default/baseof.html:12:5": execute of template failed`,
    ],
    end: "Process completed with exit code 1.",
  },
  npm: {
    job: "Build",
    step: "Run npm ci",
    run: "npm ci",
    lines: () => [
      "npm warn deprecated glob@7.2.3: Glob versions prior to v9 are no longer supported",
      "npm error code E404",
      "npm error 404 Not Found - GET https://registry.npmjs.org/@acme%2ftheme-utils - Not found",
      "npm error 404",
      "npm error 404  '@acme/theme-utils@^4.0.0' is not in this registry.",
      "npm error A complete log of this run can be found in: /home/runner/.npm/_logs/2026-03-18T14_04_02_118Z-debug-0.log",
    ],
    end: "Process completed with exit code 1.",
  },
  rsync: {
    job: "Deploy",
    step: "Upload to host",
    run: "rsync -az --delete public/ deploy@web1.acme-hosting.net:/var/www/site/",
    lines: () => [
      "sending incremental file list",
      "rsync: [sender] io timeout after 600 seconds -- exiting",
      "rsync error: timeout in data send/receive (code 30) at io.c(201) [sender=3.2.7]",
    ],
    end: "The operation was canceled.",
  },
};

/** The failed job and step of `repository`'s run, with its log's excerpt and signature. */
export const failedWithLog = (repository: string, runId: number, kind: StepLog): FailedAt | null => {
  const { job, step, run, lines, end } = STEPS[kind];
  const name = repository.split("/")[1] ?? repository;
  const log = [`##[group]Run ${run}`, "##[endgroup]", ...lines(`/home/runner/work/${name}/${name}`)]
    .concat(`##[error]${end}`)
    .map((line) => `2026-03-18T14:04:12.5170000Z ${line}`)
    .join("\n");
  const excerpt = selectExcerpt(log, { partialStart: false });
  return failedAt(
    [
      {
        name: job,
        step,
        url: `https://github.com/${repository}/actions/runs/${runId}/job/${runId * 10 + 1}`,
        jobId: runId * 10 + 1,
        excerpt: excerpt?.lines ?? null,
        error: excerpt?.key ?? null,
        signature: errorSignature(excerpt?.key, repository),
      },
    ],
    repository,
  );
};

/** What GITHUB_TOKEN finds out without a log: the failed job and step of the run, and its annotation. */
export const jobFailed = (
  repository: string,
  runId: number,
  name: string,
  step: string,
  error: string | null = null,
): FailedAt | null =>
  failedAt([
    {
      name,
      step,
      error,
      url: `https://github.com/${repository}/actions/runs/${runId}/job/${runId * 10 + 1}`,
    },
  ]);

/** The Slack app's thread reply to `event`'s failure message, once its Hugo log came. */
export const excerptReply = (event: FailureEvent, runId: number): SlackMessage => {
  const reply = formatExcerptReply({ ...event, failedAt: failedWithLog(event.site, runId, "hugo") });
  if (reply === null) throw new Error("the sample log gave no excerpt");
  return reply;
};
