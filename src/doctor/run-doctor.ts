import { parseArgs } from "node:util";
import { describeConfig } from "../config/describe.ts";
import { type Env, parseVariable } from "../config/parse.ts";
import { parseConfig } from "../config.ts";
import { EXIT, type Io, UsageError, vigieUrlHook } from "../setup/cli.ts";
import { type GithubApi, githubApi } from "../setup/github-api.ts";
import { githubHookProblems } from "../setup/github-plan.ts";
import { type GitlabApi, gitlabApi } from "../setup/gitlab-api.ts";
import { gitlabHookProblems } from "../setup/gitlab-plan.ts";
import { type NetlifyApi, netlifyApi } from "../setup/netlify-api.ts";
import { planNetlifySite, siteMatcher } from "../setup/netlify-plan.ts";
import { vigieHooks } from "../setup/vigie-hooks.ts";
import { isDryRun } from "../status/dry-run.ts";
import { printable } from "../text/printable.ts";
import { apiProblem } from "./api-problem.ts";
import { type Check, off, ok, problem } from "./check.ts";
import { checkStatus } from "./check-status.ts";
import { checkWorkflows } from "./check-workflows.ts";
import { sendTest } from "./send-test.ts";

export { SWEEP_STALE_MS } from "./check-status.ts";
export type { Check };

export const DOCTOR_USAGE = `Usage: npm run doctor [-- --url BASE] [--org ORG] [--group GROUP] [--sites GLOB]
       npm run doctor -- --send-test [DESTINATION]
       npm run doctor -- --workflows [--org ORG]

Checks every variable and, with --url (or VIGIE_URL), vigie's webhooks at exactly that URL on GitHub
(GITHUB_TOKEN, --org or GITHUB_ORG), on each Netlify site (NETLIFY_AUTH_TOKEN), on GitLab (GITLAB_TOKEN and
--group), and the deployed vigie's GET /status (VIGIE_STATUS_TOKEN). One line per check: ✓, – (not checked here) or ✗
with what to do. --send-test posts one message marked [TEST] to each destination (or DESTINATION) and
says what it answered. --workflows lists the organisation's workflows that still post to Slack themselves.
Exit: 0 all well, 1 something is ✗, 2 usage error.`;

export interface DoctorDeps {
  readonly github?: GithubApi;
  readonly netlify?: NetlifyApi;
  readonly gitlab?: GitlabApi;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

interface Options {
  readonly base: string | undefined;
  readonly org: string | undefined;
  readonly group: string | undefined;
  readonly sites: string | undefined;
}

/** How many recent deliveries of the GitHub hook are looked at. */
export const RECENT_DELIVERIES = 30;

const route = (base: string | undefined, path: string) => (base === undefined ? undefined : `${base}${path}`);
/** A hook is vigie's only at its exact URL (src/setup/vigie-hooks.ts): without one, hooks are not judged. */
const NO_URL = "not checked: pass --url BASE or set VIGIE_URL (a hook is vigie's only at its exact URL)";

const checkGithub = async (options: Options, env: Env, deps: DoctorDeps): Promise<Check[]> => {
  const label = "GitHub hook";
  const token = parseVariable(env, "GITHUB_TOKEN").value;
  const org = options.org ?? parseVariable(env, "GITHUB_ORG").value;
  if (token === undefined || org === undefined)
    return [off(label, "not checked: set GITHUB_TOKEN and GITHUB_ORG (or --org)")];
  const api =
    deps.github ??
    githubApi({ token, apiUrl: parseVariable(env, "GITHUB_API_URL").value ?? "https://api.github.com" });
  const url = route(options.base, "/webhooks/github");
  if (url === undefined) return [off(label, NO_URL)];
  const setup = `npm run setup -- github --org ${org} --url ${url} --apply`;
  const owner = vigieHooks(url, vigieUrlHook(env, "/webhooks/github"));
  try {
    const hooks = (await api.listOrgHooks(org)).filter((hook) => owner.isOurs(hook.config.url));
    const [hook] = hooks;
    if (!hook) return [problem(label, `no webhook of ${org} posts to ${url}`, setup)];
    const checks: Check[] = [];
    const problems = githubHookProblems(hook);
    checks.push(
      problems.length === 0
        ? ok(label, `hook ${hook.id} on ${org}: workflow_run, JSON, active (${hook.config.url})`)
        : problem(label, `hook ${hook.id} on ${org}: ${problems.join("; ")}`, setup),
    );
    const hookId = parseVariable(env, "GITHUB_HOOK_ID").value;
    if (hookId !== undefined && hookId !== hook.id) {
      checks.push(
        problem(
          "GITHUB_HOOK_ID",
          `is ${hookId}, but vigie's hook is ${hook.id}`,
          `set GITHUB_HOOK_ID=${hook.id}`,
        ),
      );
    }
    const deliveries = await api.listDeliveries(org, hook.id, RECENT_DELIVERIES);
    const failed = deliveries.filter((delivery) => delivery.status_code === 0 || delivery.status_code >= 400);
    const latest = failed[0];
    checks.push(
      latest === undefined
        ? ok("GitHub deliveries", `${deliveries.length} recent, none failed`)
        : problem(
            "GitHub deliveries",
            `${failed.length} of the last ${deliveries.length} failed (latest: ${latest.status_code || "no answer"} at ${latest.delivered_at})`,
            "read the function log for those deliveries, then redeliver them from the hook's Recent Deliveries (or set GITHUB_HOOK_ID for automatic redelivery)",
          ),
    );
    return checks;
  } catch (error) {
    const { text, fix } = apiProblem(error, env, {
      name: "GitHub",
      api: "GITHUB_API_URL",
      token: "GITHUB_TOKEN",
      tokenFix:
        "check GITHUB_TOKEN (admin:org_hook, or organisation Webhooks: read) and the organisation name",
    });
    return [problem(label, text, fix)];
  }
};

const NETLIFY = {
  name: "Netlify",
  api: "NETLIFY_API_URL",
  token: "NETLIFY_AUTH_TOKEN",
  tokenFix: "check NETLIFY_AUTH_TOKEN (a personal access token)",
} as const;

const checkNetlify = async (options: Options, env: Env, deps: DoctorDeps): Promise<Check[]> => {
  const label = "Netlify hooks";
  const token = parseVariable(env, "NETLIFY_AUTH_TOKEN").value;
  const api =
    deps.netlify ??
    (token === undefined
      ? undefined
      : netlifyApi({
          token,
          apiUrl: parseVariable(env, "NETLIFY_API_URL").value ?? "https://api.netlify.com/api/v1",
        }));
  if (api === undefined) return [off(label, "not checked: set NETLIFY_AUTH_TOKEN")];
  const url = route(options.base, "/webhooks/netlify");
  if (url === undefined) return [off(label, NO_URL)];
  const want = {
    url,
    secret: parseVariable(env, "NETLIFY_WEBHOOK_SECRET").value ?? "",
    ours: vigieUrlHook(env, "/webhooks/netlify"),
  };
  const setup = `npm run setup -- netlify --url ${url} --apply`;
  try {
    const sites = await api.listSites();
    const glob = options.sites;
    const checks: Check[] = [];
    const matches = siteMatcher(glob);
    for (const site of sites.filter((s) => matches(s.name))) {
      try {
        const plan = planNetlifySite(site, await api.listHooks(site.id), want);
        const actions = plan.actions
          .map((action) => ({
            ...action,
            changes:
              action.kind === "update"
                ? action.changes.filter((change) => want.secret !== "" || !change.startsWith("signed"))
                : [],
          }))
          .filter((action) => action.kind !== "update" || action.changes.length > 0);
        checks.push(
          actions.length === 0
            ? ok(`Netlify ${site.name}`, "deploy_failed and deploy_created hooks present and enabled")
            : problem(
                `Netlify ${site.name}`,
                actions
                  .map((action) =>
                    action.kind === "create"
                      ? `no ${action.event} hook`
                      : action.kind === "enable"
                        ? `${action.event} hook disabled`
                        : `${action.event} hook: ${action.changes.join("; ")}`,
                  )
                  .join("; "),
                setup,
              ),
        );
      } catch (error) {
        const { text, fix } = apiProblem(error, env, NETLIFY);
        checks.push(problem(`Netlify ${site.name}`, text, fix));
      }
    }
    return checks.length > 0
      ? checks
      : [off(label, `no site${glob ? ` matches ${glob}` : " in this account"}`)];
  } catch (error) {
    const { text, fix } = apiProblem(error, env, NETLIFY);
    return [problem(label, text, fix)];
  }
};

const checkGitlab = async (options: Options, env: Env, deps: DoctorDeps): Promise<Check[]> => {
  const label = "GitLab hook";
  const token = parseVariable(env, "GITLAB_TOKEN").value;
  const api =
    deps.gitlab ??
    (token === undefined
      ? undefined
      : gitlabApi(
          { token, apiUrl: parseVariable(env, "GITLAB_API_URL").value ?? "https://gitlab.com/api/v4" },
          deps.fetch,
        ));
  if (api === undefined || options.group === undefined) {
    return [off(label, "not checked: set GITLAB_TOKEN and pass --group")];
  }
  const url = route(options.base, "/webhooks/gitlab");
  if (url === undefined) return [off(label, NO_URL)];
  const owner = vigieHooks(url, vigieUrlHook(env, "/webhooks/gitlab"));
  try {
    const groupId = await api.groupId(options.group);
    const hooks = (await api.listHooks({ kind: "groups", id: groupId })).filter((hook) =>
      owner.isOurs(hook.url),
    );
    const [hook] = hooks;
    const setup = `npm run setup -- gitlab --group ${options.group} --url ${url} --apply (or --projects)`;
    if (!hook) return [problem(label, `group ${options.group} has no hook to ${url}`, setup)];
    const problems = gitlabHookProblems(hook);
    return [
      problems.length === 0
        ? ok(label, `group ${options.group}: hook ${hook.id}, pipeline events`)
        : problem(label, `group ${options.group}: hook ${hook.id}: ${problems.join("; ")}`, setup),
    ];
  } catch (error) {
    const { text, fix } = apiProblem(error, env, {
      name: "GitLab",
      api: "GITLAB_API_URL",
      token: "GITLAB_TOKEN",
      tokenFix: "check GITLAB_TOKEN (api scope) and the group",
    });
    return [problem(label, text, fix)];
  }
};

const MARK: Readonly<Record<Check["state"], string>> = { ok: "✓", off: "–", problem: "✗" };

/** `npm run doctor`; returns the exit code. */
export const runDoctor = async (
  argv: readonly string[],
  env: Env,
  unsafeIo: Io,
  deps: DoctorDeps = {},
): Promise<number> => {
  // Hook URLs, site names and API messages come from the APIs: nothing of theirs may drive the terminal.
  const io: Io = {
    out: (line) => unsafeIo.out(printable(line, { keepNewlines: true })),
    err: (line) => unsafeIo.err(printable(line, { keepNewlines: true })),
  };
  let options: Options;
  let mode: { kind: "checks" } | { kind: "send-test"; only: string | undefined } | { kind: "workflows" };
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        url: { type: "string" },
        org: { type: "string" },
        group: { type: "string" },
        sites: { type: "string" },
        "send-test": { type: "boolean" },
        workflows: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      io.out(DOCTOR_USAGE);
      return EXIT.ok;
    }
    const extra = values["send-test"] ? positionals.slice(1) : positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    if (values["send-test"] && values.workflows)
      throw new UsageError("--send-test and --workflows go one at a time");
    mode = values["send-test"]
      ? { kind: "send-test", only: positionals[0] }
      : values.workflows
        ? { kind: "workflows" }
        : { kind: "checks" };
    const base = values.url ?? parseVariable(env, "VIGIE_URL").value;
    if (base !== undefined && !/^https?:\/\/[^/]+/.test(base))
      throw new UsageError(`--url ${base} is not an http(s) URL`);
    options = { base: base?.replace(/\/+$/, ""), org: values.org, group: values.group, sites: values.sites };
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n\n${DOCTOR_USAGE}`);
    return EXIT.usage;
  }
  if (mode.kind === "send-test") return report(await sendTest(env, mode.only, deps), io);
  if (mode.kind === "workflows") return report(await checkWorkflows(options, env, deps), io);
  // A dry run is npm start's friendly default, but a vigie that sends nothing must never look healthy.
  const dryRun = isDryRun(parseConfig(env).routing);
  const config: Check[] = describeConfig(env).lines.map((line) =>
    line.state === "problem"
      ? problem(line.label, line.text, "fix it in .env or the site's environment")
      : dryRun && line.label === "Slack"
        ? problem(
            line.label,
            `${line.text}: NOTHING IS SENT for runs routed to default`,
            "set SLACK_WEBHOOK_URL (a dry run is fine for trying vigie locally, never for a deploy)",
          )
        : { state: line.state, label: line.label, text: line.text },
  );
  const checks = [
    ...config,
    ...(await checkGithub(options, env, deps)),
    ...(await checkNetlify(options, env, deps)),
    ...(await checkGitlab(options, env, deps)),
    ...(await checkStatus(options, env, deps)),
  ];
  return report(checks, io);
};

const report = (checks: readonly Check[], io: Io): number => {
  for (const check of checks) {
    io.out(`${MARK[check.state]} ${check.label}: ${check.text}${check.fix ? ` → ${check.fix}` : ""}`);
  }
  const problems = checks.filter((check) => check.state === "problem").length;
  io.out(problems === 0 ? "All well." : `${problems} problem${problems > 1 ? "s" : ""} (✗).`);
  return problems === 0 ? EXIT.ok : EXIT.problem;
};
