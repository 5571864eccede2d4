import { type Env, parseVariable } from "../config/parse.ts";
import { type Check, off, ok, problem } from "./check.ts";
import { GithubApiError, type WorkflowsApi, workflowsApi } from "./workflows-api.ts";

/**
 * `npm run doctor -- --workflows`: the organisation's repositories whose workflows still post to Slack
 * themselves, with the file and line. During a migration to vigie each of them doubles every message
 * (docs/architecture.md, "The board"). Archived repositories are skipped.
 */
export const SLACK_ACTIONS = [
  "rtCamp/action-slack-notify",
  "ravsamhq/notify-slack-action",
  "slackapi/slack-github-action",
  "8398a7/action-slack",
] as const;

/** Repositories read at once. */
const PARALLEL = 8;

const USES = /^\s*(?:-\s*)?uses:\s*["']?([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)(?:\/[^@\s"']*)?@/;

/** Each line of a workflow that uses one of SLACK_ACTIONS (1-based), and which (pure). */
export const slackSteps = (text: string): Array<{ line: number; action: string }> =>
  text.split(/\r?\n/).flatMap((line, i) => {
    const name = USES.exec(line)?.[1]?.toLowerCase();
    const action = SLACK_ACTIONS.find((candidate) => candidate.toLowerCase() === name);
    return action === undefined || /^\s*#/.test(line) ? [] : [{ line: i + 1, action }];
  });

const describe = (error: unknown): string =>
  error instanceof GithubApiError
    ? `${error.status} ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);

export const checkWorkflows = async (
  options: { readonly org: string | undefined },
  env: Env,
  deps: { readonly workflows?: WorkflowsApi; readonly fetch?: typeof fetch },
): Promise<Check[]> => {
  const label = "Workflows";
  const token = parseVariable(env, "GITHUB_TOKEN").value;
  const org = options.org ?? parseVariable(env, "GITHUB_ORG").value;
  if ((token === undefined && deps.workflows === undefined) || org === undefined)
    return [off(label, "not checked: set GITHUB_TOKEN (Contents: read) and GITHUB_ORG (or --org)")];
  const api =
    deps.workflows ??
    workflowsApi(
      { token: token ?? "", apiUrl: parseVariable(env, "GITHUB_API_URL").value ?? "https://api.github.com" },
      deps.fetch,
    );
  let repos: Array<{ fullName: string; archived: boolean }>;
  try {
    repos = (await api.listRepos(org)).filter((repo) => !repo.archived);
  } catch (error) {
    return [
      problem(
        label,
        `listing the repositories of ${org}: GitHub answered ${describe(error)}`,
        "check GITHUB_TOKEN (repo, or Contents: read) and the organisation",
      ),
    ];
  }
  const checks: Check[] = [];
  let files = 0;
  for (let i = 0; i < repos.length; i += PARALLEL) {
    const found = await Promise.all(
      repos.slice(i, i + PARALLEL).map(async ({ fullName }): Promise<Check[]> => {
        try {
          const paths = await api.listWorkflowFiles(fullName);
          files += paths.length;
          const hits = await Promise.all(
            paths.map(async (path) =>
              slackSteps(await api.readFile(fullName, path)).map((step) => ({ path, ...step })),
            ),
          );
          return hits
            .flat()
            .map((hit) =>
              problem(
                fullName,
                `${hit.path}:${hit.line} uses ${hit.action}`,
                "remove that step once vigie announces this repository (both would post every failure)",
              ),
            );
        } catch (error) {
          return [
            problem(
              fullName,
              `could not read its workflows: GitHub answered ${describe(error)}`,
              "check GITHUB_TOKEN can read this repository's contents",
            ),
          ];
        }
      }),
    );
    checks.push(...found.flat());
  }
  return checks.length > 0
    ? checks
    : [
        ok(
          label,
          `${repos.length} repositories of ${org}, ${files} workflow files: none posts to Slack itself`,
        ),
      ];
};
