import type { GithubRunEvent } from "../../event.ts";
import { fetchLogTail, type LogFetch } from "../../why/fetch-log.ts";

/**
 * A GitHub job's log: "Download job logs for a workflow run",
 * `GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs`, which answers 302 to a short-lived URL on another
 * host (the token is not sent there: fetch-log.ts), and 404 for a little while after the job ended; needs
 * "Actions: read": https://docs.github.com/rest/actions/workflow-jobs#download-job-logs-for-a-workflow-run
 */
export interface JobLogSettings {
  readonly token: string;
  readonly apiUrl: string;
}

export interface JobLogOptions {
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const githubJobLog =
  (settings: JobLogSettings, options: JobLogOptions = {}) =>
  (event: GithubRunEvent, jobId: number, deadline: number): Promise<LogFetch> => {
    const [owner = "", repo = ""] = event.repository.split("/", 2);
    const base = settings.apiUrl.replace(/\/+$/, "");
    return fetchLogTail({
      url: `${base}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/actions/jobs/${jobId}/logs`,
      credentials: { authorization: `Bearer ${settings.token}` },
      headers: { "x-github-api-version": "2022-11-28", "user-agent": "vigie" },
      deadline,
      retryNotFound: true,
      ...options,
    });
  };
