import { parseArgs } from "node:util";
import { type Env, parseVariable } from "../config/parse.ts";
import type { VariableName } from "../config/variables.ts";
import { printable } from "../text/printable.ts";
import { describeApiFailure, hostOf } from "./api-failure.ts";
import { EXIT, hookUrl, type Io, MissingSetting, setting, UsageError, vigieUrlHook } from "./cli.ts";
import { type GithubApi, githubApi } from "./github-api.ts";
import { githubHookBody, planGithubHook } from "./github-plan.ts";
import { type GitlabApi, type GitlabScope, gitlabApi } from "./gitlab-api.ts";
import { gitlabHookBody, planGitlabHook } from "./gitlab-plan.ts";
import { type NetlifyApi, netlifyApi } from "./netlify-api.ts";
import { NETLIFY_EVENTS, netlifyHookBody, planNetlifySite, siteMatcher } from "./netlify-plan.ts";

export const SETUP_USAGE = `Usage:
  npm run setup -- github --org ORG --url URL [--apply]
  npm run setup -- netlify --url URL [--sites GLOB] [--apply]
  npm run setup -- gitlab --group GROUP --url URL [--projects] [--apply]

Without --apply, prints what it would do and changes nothing. --url defaults to VIGIE_URL (a base URL
gets the route's path: /webhooks/github, /webhooks/netlify, /webhooks/gitlab).
Exit: 0 done (or plan printed), 1 a problem or a failed call, 2 usage error.`;

/** The APIs, injected by tests; built from the environment otherwise. */
export interface SetupApis {
  readonly github?: GithubApi;
  readonly netlify?: NetlifyApi;
  readonly gitlab?: GitlabApi;
}

const dryRunNote = "dry run: nothing changed; run again with --apply";

const setupGithub = async (values: Options, env: Env, io: Io, apis: SetupApis): Promise<number> => {
  const org = values.org ?? env.GITHUB_ORG?.trim();
  if (!org) throw new UsageError("--org is required (or set GITHUB_ORG)");
  const url = hookUrl(values.url, env, "/webhooks/github");
  const secret = setting(
    env,
    "GITHUB_WEBHOOK_SECRET",
    "the hook is created with it, and vigie checks every delivery with it",
  );
  const api =
    apis.github ??
    githubApi({
      token: setting(
        env,
        "GITHUB_TOKEN",
        "a token allowed to manage the organisation's webhooks (admin:org_hook)",
      ),
      apiUrl: setting(env, "GITHUB_API_URL", ""),
    });
  io.out(`GitHub organisation ${org}: webhook ${url}`);
  const plan = planGithubHook(await api.listOrgHooks(org), url, vigieUrlHook(env, "/webhooks/github"));
  for (const hook of plan.foreign)
    io.out(`  ! hook ${hook.id} posts to ${hook.url}: not vigie's at this URL, left as it is`);
  for (const id of plan.duplicates)
    io.out(`  ! hook ${id} has the same URL: every run would be delivered twice; delete it on GitHub`);
  let hookId: number;
  if (plan.action === "none") {
    io.out(`  ✓ hook ${plan.hookId}: events workflow_run, JSON, active`);
    hookId = plan.hookId;
  } else if (plan.action === "create") {
    if (!values.apply) {
      io.out(
        `  + would create the hook (events workflow_run, JSON, secret GITHUB_WEBHOOK_SECRET, active); ${dryRunNote}`,
      );
      return EXIT.ok;
    }
    hookId = await api.createOrgHook(org, githubHookBody(url, secret));
    io.out(`  + created hook ${hookId}`);
  } else {
    if (!values.apply) {
      io.out(`  ~ hook ${plan.hookId}: ${plan.changes.join("; ")}: would fix it; ${dryRunNote}`);
      return EXIT.ok;
    }
    await api.updateOrgHook(org, plan.hookId, githubHookBody(url, secret));
    io.out(`  ~ hook ${plan.hookId}: fixed (${plan.changes.join("; ")})`);
    hookId = plan.hookId;
  }
  io.out(
    `hook id: ${hookId} (GITHUB_ORG=${org} GITHUB_HOOK_ID=${hookId} turn on redelivery, with GITHUB_TOKEN)`,
  );
  return EXIT.ok;
};

const setupNetlify = async (values: Options, env: Env, io: Io, apis: SetupApis): Promise<number> => {
  const url = hookUrl(values.url, env, "/webhooks/netlify");
  const secret = setting(
    env,
    "NETLIFY_WEBHOOK_SECRET",
    "each hook signs its deliveries with it (JWS), and vigie checks them",
  );
  const api =
    apis.netlify ??
    netlifyApi({
      token: setting(
        env,
        "NETLIFY_AUTH_TOKEN",
        "a Netlify personal access token (User settings → Applications)",
      ),
      apiUrl: setting(env, "NETLIFY_API_URL", ""),
    });
  // The hook fields this command sends, checked against Netlify's own registry of hook types.
  const urlType = (await api.listHookTypes()).find((type) => type.name === "url");
  const missing = NETLIFY_EVENTS.filter(
    (event) => urlType?.events !== undefined && !urlType.events.includes(event),
  );
  if (!urlType || missing.length > 0) {
    io.err(
      `Netlify's GET /hooks/types has no "url" hook type for ${missing.join(", ") || NETLIFY_EVENTS.join(", ")}: not changing anything`,
    );
    return EXIT.problem;
  }
  const matches = siteMatcher(values.sites);
  const sites = (await api.listSites()).filter((site) => matches(site.name));
  io.out(
    `Netlify: ${sites.length} site${sites.length === 1 ? "" : "s"}${values.sites ? ` matching ${values.sites}` : ""}, hooks to ${url}`,
  );
  const want = { url, secret, ours: vigieUrlHook(env, "/webhooks/netlify") };
  const counts = { right: 0, changed: 0, toChange: 0, failed: 0 };
  for (const site of sites) {
    try {
      const plan = planNetlifySite(site, await api.listHooks(site.id), want);
      for (const id of plan.duplicates)
        io.out(`  ! ${site.name}: hook ${id} duplicates one of vigie's; delete it in Netlify`);
      for (const hook of plan.foreign)
        io.out(
          `  ! ${site.name}: hook ${hook.id} posts to ${hook.url}: not vigie's at this URL, left as it is`,
        );
      if (plan.actions.length === 0) {
        counts.right++;
        io.out(`  ✓ ${site.name}: deploy_failed and deploy_created hooks are right`);
        continue;
      }
      const said = (done: boolean) =>
        plan.actions
          .map((action) =>
            action.kind === "create"
              ? `${done ? "created" : "create"} ${action.event}`
              : action.kind === "enable"
                ? `${done ? "enabled" : "enable"} ${action.event}`
                : `${done ? "fixed" : "fix"} ${action.event} (${action.changes.join("; ")})`,
          )
          .join(", ");
      if (!values.apply) {
        counts.toChange++;
        io.out(`  + ${site.name}: would ${said(false)}`);
        continue;
      }
      for (const action of plan.actions) {
        if (action.kind === "create")
          await api.createHook(site.id, netlifyHookBody(site.id, action.event, want));
        else if (action.kind === "update")
          await api.updateHook(action.hookId, netlifyHookBody(site.id, action.event, want));
        else await api.enableHook(action.hookId);
      }
      counts.changed++;
      io.out(`  + ${site.name}: ${said(true)}`);
    } catch (error) {
      counts.failed++;
      io.out(`  ✗ ${site.name}: ${explain(error, "netlify", env)}`);
    }
  }
  io.out(
    `${counts.right} right, ${values.apply ? `${counts.changed} changed` : `${counts.toChange} to change`}, ${counts.failed} failed${!values.apply && counts.toChange > 0 ? `; ${dryRunNote}` : ""}`,
  );
  return counts.failed > 0 ? EXIT.problem : EXIT.ok;
};

const setupGitlab = async (values: Options, env: Env, io: Io, apis: SetupApis): Promise<number> => {
  const group = values.group;
  if (!group) throw new UsageError("--group is required (its id or full path)");
  const url = hookUrl(values.url, env, "/webhooks/gitlab");
  const token = setting(
    env,
    "GITLAB_WEBHOOK_TOKEN",
    "GitLab sends it back with each delivery, and vigie checks it",
  );
  const api =
    apis.gitlab ??
    gitlabApi({
      token: setting(
        env,
        "GITLAB_TOKEN",
        "a GitLab token with the api scope, Owner of the group (Maintainer for --projects)",
      ),
      apiUrl: setting(env, "GITLAB_API_URL", ""),
    });
  const groupId = await api.groupId(group);
  const scopes: Array<{ name: string; scope: GitlabScope }> = values.projects
    ? (await api.listProjects(groupId)).map((project) => ({
        name: project.path_with_namespace,
        scope: { kind: "projects", id: project.id },
      }))
    : [{ name: `group ${group}`, scope: { kind: "groups", id: groupId } }];
  io.out(
    `GitLab ${values.projects ? `${scopes.length} projects of group ${group}` : `group ${group}`}: pipeline hook to ${url}`,
  );
  let failed = 0;
  let pending = 0;
  for (const { name, scope } of scopes) {
    try {
      const plan = planGitlabHook(await api.listHooks(scope), url, vigieUrlHook(env, "/webhooks/gitlab"));
      for (const hook of plan.foreign)
        io.out(`  ! ${name}: hook ${hook.id} posts to ${hook.url}: not vigie's at this URL, left as it is`);
      if (plan.action === "none") {
        io.out(`  ✓ ${name}: hook ${plan.hookId} is right`);
      } else if (!values.apply) {
        pending++;
        io.out(
          `  + ${name}: would ${plan.action === "create" ? "create the hook" : `fix hook ${plan.hookId} (${plan.changes.join("; ")})`}`,
        );
      } else if (plan.action === "create") {
        io.out(`  + ${name}: created hook ${await api.createHook(scope, gitlabHookBody(url, token))}`);
      } else {
        await api.updateHook(scope, plan.hookId, gitlabHookBody(url, token));
        io.out(`  ~ ${name}: fixed hook ${plan.hookId} (${plan.changes.join("; ")})`);
      }
    } catch (error) {
      failed++;
      io.out(`  ✗ ${name}: ${explain(error, "gitlab", env)}`);
    }
  }
  if (pending > 0) io.out(dryRunNote);
  return failed > 0 ? EXIT.problem : EXIT.ok;
};

type Options = {
  org?: string;
  url?: string;
  sites?: string;
  group?: string;
  projects?: boolean;
  apply?: boolean;
};

type Target = "github" | "netlify" | "gitlab";
const PROVIDERS: Readonly<
  Record<Target, { readonly name: string; readonly api: VariableName; readonly token: VariableName }>
> = {
  github: { name: "GitHub", api: "GITHUB_API_URL", token: "GITHUB_TOKEN" },
  netlify: { name: "Netlify", api: "NETLIFY_API_URL", token: "NETLIFY_AUTH_TOKEN" },
  gitlab: { name: "GitLab", api: "GITLAB_API_URL", token: "GITLAB_TOKEN" },
};

/** A failed call as one line, with what to check: the token when it was refused, the URL when unreachable. */
export const explain = (error: unknown, target: Target, env: Env): string => {
  const provider = PROVIDERS[target];
  const apiUrl = String(parseVariable(env, provider.api).value ?? "");
  const failure = describeApiFailure(error, provider.name, hostOf(apiUrl));
  if (failure.kind === "refused_token") return `${failure.text} → check ${provider.token}`;
  if (failure.kind === "unreachable" || failure.kind === "timeout")
    return `${failure.text} → check ${provider.api} and the network`;
  return failure.text;
};

/** `npm run setup -- <github|netlify|gitlab> …`; returns the exit code. */
export const runSetup = async (
  argv: readonly string[],
  env: Env,
  unsafeIo: Io,
  apis: SetupApis = {},
): Promise<number> => {
  // Hook URLs, site and project names come from the APIs: nothing of theirs may drive the terminal.
  const io: Io = {
    out: (line) => unsafeIo.out(printable(line, { keepNewlines: true })),
    err: (line) => unsafeIo.err(printable(line, { keepNewlines: true })),
  };
  let values: Options;
  let target: string | undefined;
  try {
    const parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        org: { type: "string" },
        url: { type: "string" },
        sites: { type: "string" },
        group: { type: "string" },
        projects: { type: "boolean" },
        apply: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (parsed.values.help) {
      io.out(SETUP_USAGE);
      return EXIT.ok;
    }
    values = parsed.values;
    [target] = parsed.positionals;
    if (parsed.positionals.length !== 1) throw new UsageError("name one of github, netlify, gitlab");
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n\n${SETUP_USAGE}`);
    return EXIT.usage;
  }
  try {
    if (target === "github") return await setupGithub(values, env, io, apis);
    if (target === "netlify") return await setupNetlify(values, env, io, apis);
    if (target === "gitlab") return await setupGitlab(values, env, io, apis);
    throw new UsageError(`unknown target ${target}: name one of github, netlify, gitlab`);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${SETUP_USAGE}`);
      return EXIT.usage;
    }
    io.err(
      error instanceof MissingSetting
        ? error.message
        : `failed: ${explain(error, target === "netlify" || target === "gitlab" ? target : "github", env)}`,
    );
    return EXIT.problem;
  }
};
