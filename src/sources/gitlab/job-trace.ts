import type { GitlabPipelineEvent } from "../../event.ts";
import { fetchLogTail, type LogFetch } from "../../why/fetch-log.ts";

/**
 * A GitLab job's log: "Get a log file", `GET /projects/:id/jobs/:job_id/trace` (plain text with ANSI
 * colours and section markers), authenticated by `PRIVATE-TOKEN` (`read_api` is enough):
 * https://docs.gitlab.com/api/jobs/#get-a-log-file
 */
export interface JobTraceSettings {
  readonly token: string;
  readonly apiUrl: string;
}

export interface JobTraceOptions {
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const gitlabJobTrace =
  (settings: JobTraceSettings, options: JobTraceOptions = {}) =>
  (event: GitlabPipelineEvent, jobId: number, deadline: number): Promise<LogFetch> =>
    fetchLogTail({
      url: `${settings.apiUrl.replace(/\/+$/, "")}/projects/${event.projectId}/jobs/${jobId}/trace`,
      credentials: { "private-token": settings.token },
      headers: { "user-agent": "vigie" },
      deadline,
      ...options,
    });
