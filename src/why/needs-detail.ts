import type { RunEvent } from "../event.ts";

/**
 * Whether a failure still has something to learn from its source's API: a GitHub run whose jobs are not
 * known yet, or a job whose log excerpt was not looked up (`excerpt` absent; null means looked up, none).
 * What the pipeline asks before calling `detailFailure`, and again for a thread reply (docs/architecture.md,
 * "Why it failed").
 */
export const needsDetail = (event: RunEvent): boolean => {
  if (event.source === "netlify") return false;
  const jobs = event.failedAt?.jobs ?? [];
  if (jobs.length === 0) return event.source === "github";
  return jobs.some((job) => job.jobId !== undefined && job.jobId !== null && job.excerpt === undefined);
};
