import { request as octokitRequest } from "@octokit/request";
import { array, nullable, number, object, optional, string } from "zod/mini";
import type { FailedAt, GithubRunEvent } from "../../event.ts";
import { type FailedJob, failedAt, MAX_FAILED_JOBS } from "../../failed-at.ts";
import { fieldOf } from "../../field-of.ts";
import { describeError, type Logger } from "../../log.ts";
import { CrossOriginError, ResponseTooLargeError, sameOriginFetch } from "../../net/same-origin-fetch.ts";
import { redact } from "../../text/redact.ts";

/**
 * What failed in a GitHub run: its failed jobs, the first failed step of each, and the failure annotation
 * of the job's check run, from the REST API (GITHUB_TOKEN). The webhook does not say it: a `workflow_run`
 * delivery names the workflow, never its jobs (docs/architecture.md, "What failed").
 *
 * Two calls per failed run, at most a few more:
 * - "List jobs for a workflow run attempt", `GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/
 *   {attempt_number}/jobs`, 100 per page at most; fine-grained tokens need "Actions" repository permission
 *   (read): https://docs.github.com/rest/actions/workflow-jobs#list-jobs-for-a-workflow-run-attempt
 * - "List check run annotations", `GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations`, for
 *   the job's check run (`check_run_url`): https://docs.github.com/rest/checks/runs#list-check-run-annotations
 *   It needs "Checks" (read), which fine-grained personal access tokens do not offer
 *   (https://github.com/orgs/community/discussions/179545): without it the jobs and steps are still named.
 *
 * Everything is bounded by one deadline (JOBS_TIMEOUT_MS at most): the message never waits longer for its
 * detail, and without it, it goes out as before; one log line says why.
 */

/**
 * One answer is at most this big: a page of 100 jobs with their steps is about 200 KB. GitHub's answers
 * are bounded by size as well as by time (a 30 MB answer in 3 s would otherwise sit in memory).
 */
export const JOBS_MAX_BYTES = 2 * 1024 * 1024;
/** The whole lookup (every page, every annotation) gets at most this long. */
export const JOBS_TIMEOUT_MS = 3_000;
/** Pages of 100 jobs: a matrix expands to at most 256 jobs per workflow run. */
export const MAX_JOB_PAGES = 3;
const PER_PAGE = 100;
/** Annotations are asked for the first failed jobs only: the message shows one error per job anyway. */
const MAX_ANNOTATED_JOBS = 3;
/** https://docs.github.com/rest/about-the-rest-api/api-versions */
const API_VERSION = "2022-11-28";

/** The conclusions of a job that made the run fail; `cancelled` and `skipped` siblings did not. */
const FAILED_CONCLUSIONS: ReadonlySet<string> = new Set(["failure", "timed_out"]);

/** The fields read from a job (unknown fields are ignored). */
const stepSchema = object({
  name: string(),
  conclusion: nullable(string()),
  number: number(),
});

const jobSchema = object({
  id: number(),
  /** Absent from old API versions; when present, it must be the attempt asked for. */
  run_attempt: optional(number()),
  name: string(),
  conclusion: nullable(string()),
  html_url: nullable(string()),
  check_run_url: optional(nullable(string())),
  steps: optional(array(stepSchema)),
});

export const jobsPageSchema = object({
  total_count: number(),
  jobs: array(jobSchema),
});

export type Job = ReturnType<typeof jobSchema.parse>;

const annotationSchema = object({
  annotation_level: nullable(string()),
  message: nullable(string()),
});

/** A failed job, and the check run to ask for its annotations. */
export interface SelectedJob {
  readonly job: FailedJob;
  readonly checkRunId: number | null;
}

/** The check run's id, the last segment of `check_run_url` (`…/check-runs/{id}`). */
const checkRunIdOf = (url: string | null | undefined): number | null => {
  const match = url ? /\/check-runs\/(\d+)\/?$/.exec(url) : null;
  const id = match?.[1] ? Number(match[1]) : Number.NaN;
  return Number.isSafeInteger(id) ? id : null;
};

/**
 * The failed jobs of one attempt, in the order GitHub lists them, each with its first failed step. A job of
 * another attempt is never used (a re-run's attempt keeps the jobs it did not re-run from the attempt
 * before), nor a cancelled or skipped sibling: they did not fail, something else stopped them. A timed-out
 * job's last step is often only "cancelled": when no step failed, the step is left unnamed.
 */
export const selectFailedJobs = (jobs: readonly Job[], attempt: number): SelectedJob[] =>
  jobs
    .filter(
      (job) =>
        (job.run_attempt === undefined || job.run_attempt === attempt) &&
        FAILED_CONCLUSIONS.has(job.conclusion ?? ""),
    )
    .map((job) => {
      const step = [...(job.steps ?? [])]
        .sort((a, b) => a.number - b.number)
        .find((candidate) => FAILED_CONCLUSIONS.has(candidate.conclusion ?? ""));
      return {
        job: {
          name: job.name,
          stage: null,
          url: job.html_url,
          step: step?.name ?? null,
          error: null,
          jobId: job.id,
        },
        checkRunId: checkRunIdOf(job.check_run_url),
      };
    });

/**
 * The runner's closing line of every failed step: it says nothing the step's name does not.
 * https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands#setting-an-error-message
 * (errors a step prints with `::error::` become annotations with their own message).
 */
const GENERIC = /^Process completed with exit code \d+\.?$/i;

/**
 * The annotation that says what went wrong: the first of level `failure` that is not the generic
 * "Process completed with exit code N.". null when none says more.
 */
export const usefulAnnotation = (annotations: readonly unknown[]): string | null => {
  for (const raw of annotations) {
    const parsed = annotationSchema.safeParse(raw);
    if (!parsed.success || parsed.data.annotation_level !== "failure") continue;
    const message = parsed.data.message?.trim() ?? "";
    if (message !== "" && !GENERIC.test(message)) return message;
  }
  return null;
};

/** Why the detail is missing, for the log line; the message goes out anyway. */
export type JobsProblem =
  | "timeout"
  | "forbidden"
  | "not_found"
  | "rate_limited"
  | "unreachable"
  | "error"
  | "bad_response"
  | "too_large";

export interface JobsResult {
  readonly failedAt: FailedAt | null;
  readonly problem: { readonly kind: JobsProblem; readonly message: string } | null;
}

export interface JobsSettings {
  readonly token: string;
  readonly apiUrl: string;
}

export interface JobsOptions {
  readonly log: Logger;
  /** Injected in tests; @octokit/request by default. */
  readonly request?: typeof octokitRequest;
  /** The fetch under sameOriginFetch (tests); globalThis.fetch by default. */
  readonly fetch?: typeof globalThis.fetch;
  readonly now?: () => number;
}

/** Looks up what failed in a run; never throws and never outlives `deadline` (nor JOBS_TIMEOUT_MS). */
export type JobsLookup = (event: GithubRunEvent, deadline: number) => Promise<JobsResult>;

const headerNumber = (headers: unknown, name: string): number | null => {
  const raw = fieldOf(headers, name);
  const value = raw === undefined || raw === null ? Number.NaN : Number(raw);
  return Number.isFinite(value) ? value : null;
};

/** An @octokit/request error (RequestError: `status`, and `response` when GitHub answered) → what to say. */
export const explainJobsError = (
  error: unknown,
  timedOut: boolean,
): { readonly kind: JobsProblem; readonly message: string } => {
  if (timedOut) {
    return { kind: "timeout", message: `GitHub API did not answer within ${JOBS_TIMEOUT_MS / 1000} s` };
  }
  // octokit wraps what fetch threw (our bound, a refused redirect) in a RequestError: look at the cause.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof ResponseTooLargeError) {
    return { kind: "too_large", message: `GitHub's answer is larger than ${cause.maxBytes} bytes: not read` };
  }
  if (cause instanceof CrossOriginError) return { kind: "error", message: redact(cause.message) };
  const status = fieldOf(error, "status");
  const response = fieldOf(error, "response");
  if (typeof status !== "number" || response === undefined) {
    return {
      kind: "unreachable",
      message: `GitHub API unreachable (${redact(String(describeError(error).error)).slice(0, 200)}); check GITHUB_API_URL`,
    };
  }
  const headers = fieldOf(response, "headers");
  const text = error instanceof Error ? error.message : "";
  // https://docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api#rate-limit-errors
  if (
    status === 429 ||
    (status === 403 && (headerNumber(headers, "x-ratelimit-remaining") === 0 || /rate limit/i.test(text)))
  ) {
    const reset = headerNumber(headers, "x-ratelimit-reset");
    const retryAfter = headerNumber(headers, "retry-after");
    // An absurd reset (past year 275760) is no date: toISOString would throw a RangeError.
    const resetAt = reset === null ? Number.NaN : new Date(reset * 1000).getTime();
    const until = Number.isFinite(resetAt)
      ? ` until ${new Date(resetAt).toISOString()}`
      : retryAfter !== null
        ? ` for ${retryAfter} s`
        : "";
    return { kind: "rate_limited", message: `GitHub API rate limit reached for GITHUB_TOKEN${until}` };
  }
  if (status === 401 || status === 403) {
    return {
      kind: "forbidden",
      message: `GitHub refused GITHUB_TOKEN (${status}): GITHUB_TOKEN needs Actions: read on the repositories (fine-grained token), or is invalid or expired`,
    };
  }
  if (status === 404) {
    return {
      kind: "not_found",
      message:
        "GitHub answered 404 for the run's jobs: the run is gone, or GITHUB_TOKEN cannot see this repository (fine-grained tokens: add it to the token's repositories, with Actions: read)",
    };
  }
  return { kind: "error", message: `GitHub API answered ${status}` };
};

export const createJobsLookup = (settings: JobsSettings, options: JobsOptions): JobsLookup => {
  // https://docs.github.com/rest/authentication/authenticating-to-the-rest-api (classic and fine-grained
  // tokens both work as Bearer). octokit redacts the authorization header in the errors it throws.
  const github = (options.request ?? octokitRequest).defaults({
    baseUrl: settings.apiUrl,
    // GITHUB_TOKEN stays on GITHUB_API_URL's origin, and every answer is bounded (src/net/same-origin-fetch.ts).
    request: { fetch: sameOriginFetch({ fetch: options.fetch, maxBytes: JOBS_MAX_BYTES }) },
    headers: {
      authorization: `Bearer ${settings.token}`,
      "x-github-api-version": API_VERSION,
      "user-agent": "vigie",
    },
  });
  const now = options.now ?? Date.now;

  return async (event, deadline) => {
    const [owner = "", repo = ""] = event.repository.split("/", 2);
    const where = { repository: event.repository, runId: event.runId, attempt: event.attempt };
    const budget = Math.min(JOBS_TIMEOUT_MS, deadline - now());
    if (budget <= 0) {
      const problem = { kind: "timeout" as const, message: "no time left to ask GitHub which job failed" };
      options.log("warn", `failed job not looked up: ${problem.message}; the message goes without it`, where);
      return { failedAt: null, problem };
    }
    const signal = AbortSignal.timeout(budget);
    let stage = "jobs";
    try {
      const jobs: Job[] = [];
      for (let page = 1; page <= MAX_JOB_PAGES; page++) {
        const response = await github(
          "GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs",
          {
            owner,
            repo,
            run_id: event.runId,
            attempt_number: event.attempt,
            per_page: PER_PAGE,
            page,
            request: { signal },
          },
        );
        const parsed = jobsPageSchema.safeParse(response.data);
        if (!parsed.success) {
          const problem = {
            kind: "bad_response" as const,
            message: "GitHub's jobs list did not have the expected shape",
          };
          options.log(
            "warn",
            `failed job not looked up: ${problem.message}; the message goes without it`,
            where,
          );
          return { failedAt: null, problem };
        }
        jobs.push(...parsed.data.jobs);
        if (parsed.data.jobs.length < PER_PAGE || jobs.length >= parsed.data.total_count) break;
      }
      const selected = selectFailedJobs(jobs, event.attempt).slice(0, MAX_FAILED_JOBS);
      stage = "annotations";
      const errors = await Promise.all(
        selected.slice(0, MAX_ANNOTATED_JOBS).map(async ({ checkRunId }) => {
          if (checkRunId === null) return null;
          try {
            const response = await github("GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations", {
              owner,
              repo,
              check_run_id: checkRunId,
              per_page: 50,
              request: { signal },
            });
            return usefulAnnotation(Array.isArray(response.data) ? response.data : []);
          } catch (error) {
            // The jobs and steps are known: an annotation that cannot be read only loses the short error.
            const problem = explainJobsError(error, signal.aborted);
            options.log("info", `check run annotations not read: ${problem.message}`, {
              ...where,
              checkRunId,
              problem: problem.kind,
            });
            return null;
          }
        }),
      );
      const detail = failedAt(
        selected.map(({ job }, index) => ({ ...job, error: errors[index] ?? null })),
        event.repository,
      );
      options.log("info", "failed jobs looked up", { ...where, jobs: detail?.jobs.length ?? 0 });
      return { failedAt: detail, problem: null };
    } catch (error) {
      const problem = explainJobsError(error, signal.aborted);
      options.log("warn", `failed job not looked up: ${problem.message}; the message goes without it`, {
        ...where,
        problem: problem.kind,
        during: stage,
      });
      return { failedAt: null, problem };
    }
  };
};
