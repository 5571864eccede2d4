/**
 * `npm run doctor` end to end: the real command against local stand-ins for the GitHub, Netlify and
 * GitLab APIs and for a deployed vigie's status route.
 */
import { describe, expect, it } from "vitest";
import {
  closedAfterEach,
  type GithubState,
  type GitlabState,
  githubStandIn,
  gitlabStandIn,
  type NetlifyState,
  netlifyStandIn,
  otherOrigin,
  statusStandIn,
} from "./api-stand-ins.ts";
import { runScript } from "./run-script.ts";

const started = closedAfterEach();

/** A healthy installation; each test breaks one thing. */
const world = async (base: string) => {
  const hookUrl = (route: string) => `${base}${route}`;
  const github: GithubState = {
    hooks: [
      {
        id: 42,
        name: "web",
        active: true,
        events: ["workflow_run"],
        config: { url: hookUrl("/webhooks/github"), content_type: "json", insecure_ssl: "0" },
      },
    ],
    deliveries: [
      {
        id: 2,
        guid: "g2",
        delivered_at: "2026-11-29T09:00:00Z",
        status_code: 200,
        event: "workflow_run",
        status: "OK",
      },
      {
        id: 1,
        guid: "g1",
        delivered_at: "2026-11-29T08:00:00Z",
        status_code: 202,
        event: "workflow_run",
        status: "OK",
      },
    ],
  };
  const netlify: NetlifyState = {
    sites: [
      { id: "s1", name: "shop" },
      { id: "s2", name: "blog" },
    ],
    hooks: ["s1", "s2"].flatMap((site) =>
      ["deploy_failed", "deploy_created"].map((event) => ({
        id: `${site}-${event}`,
        site_id: site,
        type: "url",
        event,
        data: { url: hookUrl("/webhooks/netlify") },
        disabled: false,
      })),
    ),
    rateLimited: 0,
  };
  const gitlab: GitlabState = {
    group: { id: 9, full_path: "acme" },
    projects: [],
    hooks: {
      "groups/9": [
        {
          id: 3,
          url: hookUrl("/webhooks/gitlab"),
          pipeline_events: true,
          push_events: false,
          alert_status: "executable",
        },
      ],
    },
  };
  return { github, netlify, gitlab };
};

const statusBody = (overrides: Record<string, unknown> = {}) => ({
  config: { valid: true, problems: [] },
  outbox: { waiting: 0, dead: 0, total: 3, truncated: false },
  episodes: { open: 1, list: [], truncated: false },
  sweep: { lastRunAt: new Date().toISOString() },
  ...overrides,
});

const run = async (
  state: Awaited<ReturnType<typeof world>>,
  base: string,
  env: Record<string, string> = {},
) => {
  const gh = await started(githubStandIn("acme", state.github));
  const nf = await started(netlifyStandIn(state.netlify));
  const gl = await started(gitlabStandIn(state.gitlab));
  return runScript("doctor.ts", ["--url", base, "--group", "acme"], {
    GITHUB_WEBHOOK_SECRET: "gh-secret",
    NETLIFY_WEBHOOK_SECRET: "nf-secret",
    SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/x",
    GITHUB_TOKEN: "gh-token",
    GITHUB_ORG: "acme",
    GITHUB_HOOK_ID: "42",
    GITHUB_API_URL: gh.url,
    NETLIFY_AUTH_TOKEN: "nf-token",
    NETLIFY_API_URL: nf.url,
    GITLAB_TOKEN: "gl-token",
    GITLAB_API_URL: gl.url,
    VIGIE_STATUS_TOKEN: "st-token",
    ...env,
  });
};

describe("npm run doctor", () => {
  it("exits 0 when all is well, one ✓ line per check", async () => {
    const status = await started(statusStandIn("st-token", statusBody()));
    const result = await run(await world(status.url), status.url);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("✓ GitHub hook: hook 42 on acme");
    expect(result.stdout).toContain("✓ GitHub deliveries: 2 recent, none failed");
    expect(result.stdout).toContain("✓ Netlify shop:");
    expect(result.stdout).toContain("✓ Netlify blog:");
    expect(result.stdout).toContain("✓ GitLab hook: group acme");
    expect(result.stdout).toContain("✓ Deployed config: valid");
    expect(result.stdout).toMatch(/✓ Sweep: last ran \d+ s ago/);
    expect(result.stdout).not.toContain("✗");
    expect(result.code).toBe(0);
  });

  it.each<[string, (state: Awaited<ReturnType<typeof world>>) => void, RegExp]>([
    [
      "a Netlify site without its failure hook",
      (state) => {
        state.netlify.hooks = state.netlify.hooks.filter((hook) => hook.id !== "s2-deploy_failed");
      },
      /✗ Netlify blog: no deploy_failed hook → npm run setup -- netlify/,
    ],
    [
      "a disabled Netlify hook",
      (state) => {
        const hook = state.netlify.hooks.find((h) => h.id === "s1-deploy_created");
        if (hook) hook.disabled = true;
      },
      /✗ Netlify shop: deploy_created hook disabled/,
    ],
    [
      "a GitHub hook with push events",
      (state) => {
        const hook = state.github.hooks[0];
        if (hook) hook.events = ["push", "workflow_run"];
      },
      /✗ GitHub hook: hook 42 on acme: events are push, workflow_run/,
    ],
    [
      "failed GitHub deliveries",
      (state) => {
        state.github.deliveries.unshift({
          id: 3,
          guid: "g3",
          delivered_at: "2026-11-29T09:30:00Z",
          status_code: 500,
          event: "workflow_run",
          status: "Invalid HTTP Response: 500",
        });
      },
      /✗ GitHub deliveries: 1 of the last 3 failed \(latest: 500/,
    ],
    [
      "a GitLab hook GitLab disabled",
      (state) => {
        const hook = state.gitlab.hooks["groups/9"]?.[0];
        if (hook) hook.alert_status = "disabled";
      },
      /✗ GitLab hook: group acme: hook 3: GitLab disabled it/,
    ],
  ])("exits 1 naming the broken thing: %s", async (_, breakIt, line) => {
    const status = await started(statusStandIn("st-token", statusBody()));
    const state = await world(status.url);
    breakIt(state);
    const result = await run(state, status.url);
    expect(result.stdout).toMatch(line);
    expect(result.code).toBe(1);
  });

  it("exits 1 on what the deployed status says: invalid config, dead messages, a sweep that stopped", async () => {
    const status = await started(
      statusStandIn(
        "st-token",
        statusBody({
          config: { valid: false, problems: ["REMINDER_HOURS"] },
          outbox: { waiting: 2, dead: 1 },
          sweep: { lastRunAt: "2026-01-01T00:00:00Z" },
        }),
      ),
    );
    const result = await run(await world(status.url), status.url);
    expect(result.stdout).toContain("✗ Deployed config: problems with REMINDER_HOURS");
    expect(result.stdout).toContain("✗ Outbox: 1 dead message");
    expect(result.stdout).toMatch(/✗ Sweep: last ran \d+ min ago/);
    expect(result.code).toBe(1);
  });

  it("exits 1 when the deployed vigie is a dry run, or answers something that is not its status", async () => {
    const dry = await started(statusStandIn("st-token", statusBody({ dryRun: true })));
    const result = await run(await world(dry.url), dry.url);
    expect(result.stdout).toContain("✓ Deployed config: valid");
    expect(result.stdout).toMatch(
      /✗ Deployed Slack: DRY RUN: SLACK_WEBHOOK_URL is unset on the deployed site/,
    );
    expect(result.code).toBe(1);
    const other = await started(statusStandIn("st-token", { hello: "world" }));
    const strange = await run(await world(other.url), other.url);
    expect(strange.stdout).toContain("answered something that is not vigie's status");
    expect(strange.code).toBe(1);
  });

  it("exits 1 on a local configuration problem, and 2 on a usage error", async () => {
    const status = await started(statusStandIn("st-token", statusBody()));
    const bad = await run(await world(status.url), status.url, { SLACK_WEBHOOK_URL: "not-a-url" });
    expect(bad.stdout).toMatch(/✗ Slack: SLACK_WEBHOOK_URL is not an http\(s\) URL/);
    expect(bad.stdout).not.toContain("not-a-url");
    expect(bad.code).toBe(1);
    expect((await runScript("doctor.ts", ["--url", "ftp://x"], {})).code).toBe(2);
    expect((await runScript("doctor.ts", ["extra"], {})).code).toBe(2);
  });

  it("a hook at vigie's path on another host is not taken for vigie's", async () => {
    const status = await started(statusStandIn("st-token", statusBody()));
    const state = await world(status.url);
    const staging = "https://staging.example/webhooks/gitlab";
    state.gitlab.hooks["groups/9"] = [{ id: 3, url: staging, pipeline_events: true, push_events: false }];
    for (const hook of state.netlify.hooks)
      hook.data = { url: "https://other-tool.example/webhooks/netlify" };
    const result = await run(state, status.url);
    expect(result.stdout).toContain(`✗ GitLab hook: group acme has no hook to ${status.url}/webhooks/gitlab`);
    expect(result.stdout).toMatch(/✗ Netlify shop: no deploy_failed hook; no deploy_created hook/);
    expect(result.code).toBe(1);
  });

  it("says once who answered what, and names the network (not the token) when nothing answered", async () => {
    const status = await started(statusStandIn("st-token", statusBody()));
    // A port that was just listened on, then closed: nothing answers there.
    const closed = await otherOrigin();
    await closed.close();
    const result = await run(await world(status.url), status.url, {
      GITLAB_TOKEN: "wrong-token",
      GITHUB_API_URL: closed.url,
    });
    expect(result.stdout).toMatch(/✗ GitLab hook: GitLab answered 401 to GET \S+: .*→ check GITLAB_TOKEN/);
    expect(result.stdout.match(/GitLab answered 401/g)).toHaveLength(1);
    expect(result.stdout).toMatch(
      /✗ GitHub hook: cannot reach 127\.0\.0\.1:\d+: connection refused \(ECONNREFUSED\) → check GITHUB_API_URL/,
    );
    expect(result.stdout).not.toContain("check GITHUB_TOKEN");
  });
});
