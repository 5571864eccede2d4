import { fieldOf } from "../field-of.ts";
import { oneLine } from "../text/one-line.ts";
import type { RerunTarget } from "./rerun-target.ts";

/**
 * Re-runs through each provider's REST API (docs/architecture.md, "Acting from Slack"), for the Re-run
 * control and for AUTO_RERUN:
 * - GitHub: `POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs` (201), GITHUB_TOKEN with
 *   "Actions: write" (https://docs.github.com/rest/actions/workflow-runs#re-run-failed-jobs-from-a-workflow-run);
 * - GitLab: `POST /projects/:id/pipelines/:pipeline_id/retry` (201), GITLAB_TOKEN with `api`
 *   (https://docs.gitlab.com/api/pipelines/#retry-jobs-in-a-pipeline);
 * - Netlify: `POST /sites/{site_id}/builds` (a new build of the production branch), NETLIFY_AUTH_TOKEN
 *   (https://open-api.netlify.com/#tag/build/operation/createSiteBuild); production deploys only.
 * The answer is a value, in words a person can act on ("GITHUB_TOKEN needs Actions: write"): it is posted
 * in the message's thread. A token never appears in it, nor follows a redirect (`redirect: "manual"`).
 */
export interface ApiCredentials {
  /** A secret: never logged, never in a reason. */
  readonly token: string;
  /** Base URL without a trailing slash. */
  readonly apiUrl: string;
}

export interface RerunCredentials {
  readonly github: ApiCredentials | null;
  readonly gitlab: ApiCredentials | null;
  readonly netlify: ApiCredentials | null;
}

export type RerunResult =
  /** The provider accepted: a new attempt (GitHub, GitLab) or build (Netlify) is on its way. */
  | { readonly kind: "accepted"; readonly text: string }
  /** Refused for a reason retrying will not change (a missing token or permission, an old run). */
  | { readonly kind: "refused"; readonly text: string; readonly status: number | null }
  /** No usable answer (network, timeout, 5xx): trying again later may work. */
  | { readonly kind: "failed"; readonly text: string; readonly status: number | null };

export interface RerunDeps {
  readonly fetch?: typeof globalThis.fetch;
  /** Default 8 s: the action runs after Slack's answer, the automatic one before anyone is told. */
  readonly timeoutMs?: number;
}

export const RERUN_TIMEOUT_MS = 8_000;

/** The provider's call for the target (one `case` a source, so each gets its own target type). */
const requestOf = (target: RerunTarget): { path: string; body?: object } => {
  switch (target.source) {
    case "github":
      return PROVIDERS.github.request(target);
    case "gitlab":
      return PROVIDERS.gitlab.request(target);
    case "netlify":
      return PROVIDERS.netlify.request(target);
  }
};

interface Provider<T extends RerunTarget = RerunTarget> {
  readonly name: string;
  readonly variable: string;
  /** Method, path and body of the call. */
  readonly request: (target: T) => { path: string; body?: object };
  readonly headers: (token: string) => Record<string, string>;
  /** What a refusal means, in words, by status and what the provider said (null: quote the provider). */
  readonly refusal: (status: number, what: string, said: string) => string | null;
}

type ProviderOf<S extends RerunTarget["source"]> = Provider<Extract<RerunTarget, { source: S }>>;

const PROVIDERS: { readonly [S in RerunTarget["source"]]: ProviderOf<S> } = {
  github: {
    name: "GitHub",
    variable: "GITHUB_TOKEN",
    request: ({ repository, runId }) => {
      const [owner = "", repo = ""] = repository.split("/");
      return {
        path: `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/actions/runs/${runId}/rerun-failed-jobs`,
      };
    },
    headers: (token) => ({
      authorization: `Bearer ${token}`,
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
    }),
    // A 403 is also GitHub's answer to a run still in progress, a run over a month old, or a rate limit:
    // only a permission refusal is worded as one (https://docs.github.com/rest/actions/workflow-runs).
    refusal: (status, what, said) =>
      status === 401
        ? "GITHUB_TOKEN is invalid or expired"
        : status === 403 && (said === "" || /not accessible|permission|must have/i.test(said))
          ? `GITHUB_TOKEN needs Actions: write on ${what}`
          : status === 404
            ? `GitHub has no such run in ${what}, or GITHUB_TOKEN cannot see the repository`
            : null,
  },
  gitlab: {
    name: "GitLab",
    variable: "GITLAB_TOKEN",
    request: (t) => {
      const { projectId, pipelineId } = t;
      return { path: `/projects/${projectId}/pipelines/${pipelineId}/retry` };
    },
    headers: (token) => ({ "private-token": token, accept: "application/json" }),
    refusal: (status, what, said) =>
      status === 401
        ? "GITLAB_TOKEN is invalid or expired"
        : status === 403 && (said === "" || /forbidden|scope|permission/i.test(said))
          ? `GITLAB_TOKEN needs the api scope and the Developer role on ${what}`
          : status === 404
            ? `GitLab has no such pipeline in ${what}, or GITLAB_TOKEN cannot see the project`
            : null,
  },
  netlify: {
    name: "Netlify",
    variable: "NETLIFY_AUTH_TOKEN",
    request: (t) => {
      const { siteId } = t;
      return { path: `/sites/${encodeURIComponent(siteId)}/builds`, body: {} };
    },
    headers: (token) => ({ authorization: `Bearer ${token}`, accept: "application/json" }),
    refusal: (status, what) =>
      status === 401
        ? "NETLIFY_AUTH_TOKEN is invalid or expired"
        : status === 403 || status === 404
          ? `NETLIFY_AUTH_TOKEN cannot build ${what} (not a member of its team, or no such site)`
          : null,
  },
};

const describeTarget = (target: RerunTarget): string =>
  target.source === "github"
    ? `${target.repository} (run ${target.runId})`
    : target.source === "gitlab"
      ? `project ${target.projectId} (pipeline ${target.pipelineId})`
      : `site ${target.siteId}`;

/** The provider's own `message` (GitHub, Netlify) or `message`/`error` (GitLab), on one line, token-free. */
const providerMessage = (body: string, token: string): string | null => {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== "object" || parsed === null) return null;
    const text = [fieldOf(parsed, "message"), fieldOf(parsed, "error")].find(
      (value) => typeof value === "string",
    );
    return typeof text === "string" ? oneLine(text.replaceAll(token, "[token]"), 160) : null;
  } catch {
    return null;
  }
};

/** Asks the target's provider for a re-run; never throws. */
export const rerun = async (
  target: RerunTarget,
  credentials: RerunCredentials,
  deps: RerunDeps = {},
): Promise<RerunResult> => {
  const provider = PROVIDERS[target.source];
  const what = describeTarget(target);
  if (target.source === "netlify" && !target.production) {
    return {
      kind: "refused",
      text: "vigie re-runs only production deploys on Netlify (a new build of the production branch); retry this deploy from Netlify's UI",
      status: null,
    };
  }
  const creds = credentials[target.source];
  if (creds === null) {
    return {
      kind: "refused",
      text: `${provider.variable} is not set: vigie cannot re-run ${provider.name} ${target.source === "netlify" ? "builds" : "runs"}`,
      status: null,
    };
  }
  const { path, body } = requestOf(target);
  const timeoutMs = deps.timeoutMs ?? RERUN_TIMEOUT_MS;
  let response: Response;
  try {
    response = await (deps.fetch ?? fetch)(`${creds.apiUrl}${path}`, {
      method: "POST",
      headers: {
        ...provider.headers(creds.token),
        ...(body ? { "content-type": "application/json" } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    const timedOut = name === "TimeoutError" || name === "AbortError";
    return {
      kind: "failed",
      text: timedOut
        ? `${provider.name} did not answer within ${Math.round(timeoutMs / 1000)} s`
        : `${provider.name} could not be reached`,
      status: null,
    };
  }
  const answer = await response.text().catch(() => "");
  if (response.status >= 200 && response.status < 300) {
    return {
      kind: "accepted",
      text:
        target.source === "netlify"
          ? `Netlify started a new production build of ${what}`
          : `${provider.name} is running the failed jobs of ${what} again`,
    };
  }
  const said = providerMessage(answer, creds.token);
  const suffix = said === null ? "" : ` (${provider.name} said: ${said})`;
  if (response.status >= 300 && response.status < 400) {
    return {
      kind: "refused",
      text: `${provider.name} answered a redirect (${response.status}): check the API URL of ${provider.variable}`,
      status: response.status,
    };
  }
  if (response.status >= 500 || response.status === 429 || response.status === 408) {
    return {
      kind: "failed",
      text: `${provider.name} answered ${response.status}${suffix}`,
      status: response.status,
    };
  }
  const words = provider.refusal(response.status, what, said ?? "");
  return {
    kind: "refused",
    text: words === null ? `${provider.name} refused (${response.status})${suffix}` : `${words}${suffix}`,
    status: response.status,
  };
};
