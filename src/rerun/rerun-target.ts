import type { FailureEvent } from "../event.ts";

/**
 * What a re-run asks a provider to run again (docs/architecture.md, "Acting from Slack"): a GitHub run's
 * failed jobs, a GitLab pipeline's failed jobs, or a new production build of a Netlify site.
 */
export type RerunTarget =
  | { readonly source: "github"; readonly repository: string; readonly runId: number }
  | { readonly source: "gitlab"; readonly projectId: number; readonly pipelineId: number }
  /** `production`: Netlify re-runs only production deploys (a new build of the site's production branch). */
  | { readonly source: "netlify"; readonly siteId: string; readonly production: boolean };

/** The target of a failure event: the run (pipeline, site) it reports. */
export const rerunTargetOf = (event: FailureEvent): RerunTarget => {
  switch (event.source) {
    case "github":
      return { source: "github", repository: event.repository, runId: event.runId };
    case "gitlab":
      return { source: "gitlab", projectId: event.projectId, pipelineId: event.pipelineId };
    case "netlify":
      return { source: "netlify", siteId: event.siteId, production: event.context === "production" };
  }
};
