import type { FailedAt, FailureEvent, GithubRunEvent, GitlabPipelineEvent } from "../event.ts";
import { failedAt } from "../failed-at.ts";
import type { Logger } from "../log.ts";
import type { LogFetch, LogProblem } from "../why/fetch-log.ts";
import { needsDetail } from "../why/needs-detail.ts";
import { selectExcerpt } from "../why/select-excerpt.ts";
import { errorSignature } from "../why/signature.ts";
import { githubJobLog } from "./github/job-log.ts";
import { createJobsLookup, type JobsLookup, type JobsSettings } from "./github/jobs.ts";
import { gitlabJobTrace } from "./gitlab/job-trace.ts";

/**
 * What failed and why, from the source's API, after the webhook's answer (docs/architecture.md, "Why it
 * failed"): for GitHub the failed jobs and steps (jobs.ts) when the event does not name them yet, then for
 * GitHub and GitLab the log of the first failed jobs, from which the excerpt and the signature come. Netlify
 * says all it will say in its webhook (its error is signed in failed-stage.ts).
 *
 * Incremental: only what is missing is looked up (needsDetail), so that a second call, for a thread reply
 * after the message went without its excerpt, reads the logs only. One call never takes more than
 * EXCERPT_WAIT_MS, nor beyond its deadline; never throws; a log that cannot be read leaves the excerpt out
 * (null) and says why in one log line, without the token or the log host's signed URL.
 */
export const EXCERPT_WAIT_MS = 8_000;
/** The message shows the first jobs' excerpts; reading more logs would only cost time. */
export const MAX_EXCERPT_JOBS = 3;

export interface DetailSettings {
  readonly github: JobsSettings | null;
  readonly gitlab: { readonly token: string; readonly apiUrl: string } | null;
}

export interface DetailOptions {
  readonly log: Logger;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected in tests; createJobsLookup by default. */
  readonly jobsLookup?: JobsLookup;
}

export type DetailFailure = (event: FailureEvent, deadline: number) => Promise<FailureEvent>;

const WHY: Readonly<Record<LogProblem, string>> = {
  timeout: "the log did not come in time",
  forbidden:
    "the token was refused (GitHub: GITHUB_TOKEN needs Actions: read; GitLab: GITLAB_TOKEN needs read_api)",
  not_found: "the log is not there (not ready, expired, or the token cannot see the project)",
  rate_limited: "the API's rate limit is reached",
  unreachable: "the API is unreachable (check GITHUB_API_URL / GITLAB_API_URL)",
  error: "the API answered with an error",
  too_large: "the log host ignores Range requests and the log is too large to read through",
};

type ReadLog = (jobId: number, deadline: number) => Promise<LogFetch>;

export const createDetailFailure = (settings: DetailSettings, options: DetailOptions): DetailFailure => {
  const now = options.now ?? Date.now;
  const io = {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    now,
  };
  const jobs =
    settings.github === null
      ? null
      : (options.jobsLookup ?? createJobsLookup(settings.github, { log: options.log, now }));
  const githubLog = settings.github === null ? null : githubJobLog(settings.github, io);
  const gitlabTrace = settings.gitlab === null ? null : gitlabJobTrace(settings.gitlab, io);

  /** The excerpts of the jobs that need one, the first MAX_EXCERPT_JOBS read in parallel. */
  const withExcerpts = async (
    event: FailureEvent,
    detail: FailedAt,
    read: ReadLog,
    deadline: number,
  ): Promise<FailedAt> => {
    const started = now();
    const wanted = detail.jobs.flatMap((job, index) =>
      typeof job.jobId === "number" && job.excerpt === undefined ? [{ job, jobId: job.jobId, index }] : [],
    );
    if (wanted.length === 0) return detail;
    const reads = await Promise.all(
      wanted.slice(0, MAX_EXCERPT_JOBS).map(async ({ jobId, index }) => ({
        index,
        fetched: await read(jobId, deadline),
      })),
    );
    const jobsOut = detail.jobs.map((job) => ({ ...job }));
    let bytes = 0;
    for (const { index, fetched } of reads) {
      const job = jobsOut[index];
      if (job === undefined) continue;
      const where = { site: event.site, jobId: job.jobId };
      if (fetched.kind === "problem") {
        options.log("warn", `log excerpt not read: ${WHY[fetched.problem]}; the message goes without it`, {
          ...where,
          problem: fetched.problem,
          ...(fetched.status === null ? {} : { status: fetched.status }),
        });
        // A timeout may do better on a second call (a thread reply); the other problems would not.
        if (fetched.problem !== "timeout") Object.assign(job, { excerpt: null });
        continue;
      }
      bytes += fetched.bytesRead;
      const excerpt = selectExcerpt(fetched.text, { partialStart: !fetched.whole });
      // The key error line is the job's short error when its source gave none (GitHub without annotations).
      Object.assign(job, {
        excerpt: excerpt?.lines ?? null,
        error: job.error ?? excerpt?.key ?? null,
        signature: errorSignature(excerpt?.key ?? job.error, event.site),
      });
    }
    // Jobs beyond the first few are not read at all.
    for (const { index } of wanted.slice(MAX_EXCERPT_JOBS))
      Object.assign(jobsOut[index] ?? {}, { excerpt: null });
    options.log("info", "log excerpts looked up", {
      site: event.site,
      jobs: reads.length,
      excerpts: reads.filter(({ index }) => (jobsOut[index]?.excerpt?.length ?? 0) > 0).length,
      bytesRead: bytes,
      ms: now() - started,
    });
    return failedAt(jobsOut, event.site) ?? detail;
  };

  return async (event, deadline) => {
    if (!needsDetail(event)) return event;
    const end = Math.min(deadline, now() + EXCERPT_WAIT_MS);
    if (event.source === "github") {
      if (jobs === null || githubLog === null) return event;
      let detail = event.failedAt ?? null;
      if ((detail?.jobs.length ?? 0) === 0) detail = (await jobs(event, end)).failedAt;
      if (detail === null) return event;
      const github: GithubRunEvent = event;
      const read: ReadLog = (jobId, until) => githubLog(github, jobId, until);
      return { ...event, failedAt: await withExcerpts(event, detail, read, end) };
    }
    if (event.source === "gitlab") {
      if (gitlabTrace === null || !event.failedAt) return event;
      const gitlab: GitlabPipelineEvent = event;
      const read: ReadLog = (jobId, until) => gitlabTrace(gitlab, jobId, until);
      return { ...event, failedAt: await withExcerpts(event, event.failedAt, read, end) };
    }
    return event;
  };
};
