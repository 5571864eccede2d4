import { parseArgs } from "node:util";
import { describeConfig } from "../config/describe.ts";
import { type Env, parseVariable } from "../config/parse.ts";
import { sameOriginFetch } from "../net/same-origin-fetch.ts";
import { describeApiFailure } from "../setup/api-failure.ts";
import { EXIT, type Io, UsageError, vigieUrlHook } from "../setup/cli.ts";
import { type GithubApi, githubApi } from "../setup/github-api.ts";
import { githubHookProblems } from "../setup/github-plan.ts";
import { type GitlabApi, gitlabApi } from "../setup/gitlab-api.ts";
import { gitlabHookProblems } from "../setup/gitlab-plan.ts";
import { type NetlifyApi, netlifyApi } from "../setup/netlify-api.ts";
import { planNetlifySite, siteMatcher } from "../setup/netlify-plan.ts";
import { vigieHooks } from "../setup/vigie-hooks.ts";
import { printable } from "../text/printable.ts";
import { apiProblem } from "./api-problem.ts";

export const DOCTOR_USAGE = `Usage: npm run doctor [-- --url BASE] [--org ORG] [--group GROUP] [--sites GLOB]

Checks every variable and, with --url (or VIGIE_URL), vigie's webhooks at exactly that URL on GitHub
(GITHUB_TOKEN, --org or GITHUB_ORG), on each Netlify site (NETLIFY_AUTH_TOKEN), on GitLab (GITLAB_TOKEN and
--group), and the deployed vigie's GET /status (VIGIE_STATUS_TOKEN). One line per check, ✓ or ✗ with what to do.
Exit: 0 all well, 1 something is ✗, 2 usage error.`;

/** One line of the report: ✓ ok, – not checked (or off on purpose), ✗ a problem, with what to do. */
export interface Check {
  readonly state: "ok" | "off" | "problem";
  readonly label: string;
  readonly text: string;
  readonly fix?: string;
}

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
/** The sweep runs every minute: a last run older than this means the scheduled function is not running. */
export const SWEEP_STALE_MS = 5 * 60_000;

const ok = (label: string, text: string): Check => ({ state: "ok", label, text });
const off = (label: string, text: string): Check => ({ state: "off", label, text });
const problem = (label: string, text: string, fix: string): Check => ({ state: "problem", label, text, fix });

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
  if (token === undefined && deps.netlify === undefined)
    return [off(label, "not checked: set NETLIFY_AUTH_TOKEN")];
  const api =
    deps.netlify ??
    netlifyApi({
      token: token as string,
      apiUrl: parseVariable(env, "NETLIFY_API_URL").value ?? "https://api.netlify.com/api/v1",
    });
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
  if ((token === undefined && deps.gitlab === undefined) || options.group === undefined) {
    return [off(label, "not checked: set GITLAB_TOKEN and pass --group")];
  }
  const api =
    deps.gitlab ??
    gitlabApi(
      {
        token: token as string,
        apiUrl: parseVariable(env, "GITLAB_API_URL").value ?? "https://gitlab.com/api/v4",
      },
      deps.fetch,
    );
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

interface StatusBody {
  config?: { valid?: boolean; problems?: string[] };
  outbox?: { waiting?: number; dead?: number };
  episodes?: { open?: number };
  sweep?: { lastRunAt?: string | null };
}

const checkStatus = async (options: Options, env: Env, deps: DoctorDeps): Promise<Check[]> => {
  const label = "Status route";
  if (options.base === undefined) return [off(label, "not checked: pass --url BASE or set VIGIE_URL")];
  const token = parseVariable(env, "VIGIE_STATUS_TOKEN").value;
  const url = `${options.base}/status`;
  if (token === undefined) {
    return [
      problem(
        label,
        `cannot read ${url}: VIGIE_STATUS_TOKEN is unset here`,
        "set VIGIE_STATUS_TOKEN to the deployed site's value",
      ),
    ];
  }
  let response: Response;
  try {
    response = await sameOriginFetch({ fetch: deps.fetch, maxBytes: 8 * 1024 * 1024 })(url, {
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    return [
      problem(
        label,
        `${url} did not answer: ${describeApiFailure(error, "vigie", new URL(url).host).text}`,
        "check --url, and that the site is deployed",
      ),
    ];
  }
  if (response.status === 404) {
    return [
      problem(
        label,
        `${url} answered 404`,
        "set VIGIE_STATUS_TOKEN in the site's environment (Functions scope) and redeploy",
      ),
    ];
  }
  if (response.status === 401)
    return [
      problem(
        label,
        `${url} refused the token (401)`,
        "use the same VIGIE_STATUS_TOKEN as the deployed site",
      ),
    ];
  if (!response.ok)
    return [problem(label, `${url} answered ${response.status}`, "read the status function's log")];
  const body = (await response.json()) as StatusBody;
  const checks: Check[] = [];
  checks.push(
    body.config?.valid
      ? ok("Deployed config", "valid")
      : problem(
          "Deployed config",
          `problems with ${(body.config?.problems ?? []).join(", ")}`,
          'read the function log ("configuration problem") and fix those variables on Netlify',
        ),
  );
  const dead = body.outbox?.dead ?? 0;
  checks.push(
    dead === 0
      ? ok("Outbox", `${body.outbox?.waiting ?? 0} waiting, none dead`)
      : problem(
          "Outbox",
          `${dead} dead message${dead > 1 ? "s" : ""} (Slack refused them)`,
          "read their reasons: npx netlify blobs:list vigie --prefix outbox/ (on a linked clone), then fix SLACK_WEBHOOK_URL",
        ),
  );
  const lastRun = body.sweep?.lastRunAt ? Date.parse(body.sweep.lastRunAt) : Number.NaN;
  const now = (deps.now ?? Date.now)();
  checks.push(
    Number.isFinite(lastRun) && now - lastRun <= SWEEP_STALE_MS
      ? ok("Sweep", `last ran ${Math.round((now - lastRun) / 1000)} s ago`)
      : problem(
          "Sweep",
          Number.isFinite(lastRun)
            ? `last ran ${Math.round((now - lastRun) / 60_000)} min ago`
            : "has never run",
          "check the scheduled function (Netlify → Logs → Functions → sweep); it runs on the published deploy only",
        ),
  );
  checks.push(ok("Open episodes", String(body.episodes?.open ?? 0)));
  return checks;
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
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        url: { type: "string" },
        org: { type: "string" },
        group: { type: "string" },
        sites: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      io.out(DOCTOR_USAGE);
      return EXIT.ok;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
    const base = values.url ?? parseVariable(env, "VIGIE_URL").value;
    if (base !== undefined && !/^https?:\/\/[^/]+/.test(base))
      throw new UsageError(`--url ${base} is not an http(s) URL`);
    options = { base: base?.replace(/\/+$/, ""), org: values.org, group: values.group, sites: values.sites };
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n\n${DOCTOR_USAGE}`);
    return EXIT.usage;
  }
  const config: Check[] = describeConfig(env).lines.map((line) =>
    line.state === "problem"
      ? problem(line.label, line.text, "fix it in .env or the site's environment")
      : { state: line.state, label: line.label, text: line.text },
  );
  const checks = [
    ...config,
    ...(await checkGithub(options, env, deps)),
    ...(await checkNetlify(options, env, deps)),
    ...(await checkGitlab(options, env, deps)),
    ...(await checkStatus(options, env, deps)),
  ];
  for (const check of checks) {
    io.out(`${MARK[check.state]} ${check.label}: ${check.text}${check.fix ? ` → ${check.fix}` : ""}`);
  }
  const problems = checks.filter((check) => check.state === "problem").length;
  io.out(problems === 0 ? "All well." : `${problems} problem${problems > 1 ? "s" : ""} (✗).`);
  return problems === 0 ? EXIT.ok : EXIT.problem;
};
