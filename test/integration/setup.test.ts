/**
 * `npm run setup` end to end: the real command, against local HTTP servers standing in for the GitHub,
 * Netlify and GitLab APIs (GITHUB_API_URL, NETLIFY_API_URL, GITLAB_API_URL).
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
  type StandIn,
} from "./api-stand-ins.ts";
import { runScript } from "./run-script.ts";

const VIGIE = "https://vigie.example";
const started = closedAfterEach();

describe("npm run setup -- github", () => {
  const env = (api: StandIn) => ({
    GITHUB_API_URL: api.url,
    GITHUB_TOKEN: "gh-token",
    GITHUB_WEBHOOK_SECRET: "gh-secret",
  });

  it("dry run changes nothing; --apply creates the hook; a second run creates nothing", async () => {
    const state: GithubState = {
      hooks: [
        { id: 1, name: "web", active: true, events: ["push"], config: { url: "https://ci.example/hook" } },
      ],
      deliveries: [],
    };
    const api = await started(githubStandIn("acme", state));

    const dry = await runScript("setup.ts", ["github", "--org", "acme", "--url", VIGIE], env(api));
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("would create the hook");
    expect(api.writes()).toEqual([]);

    const apply = await runScript(
      "setup.ts",
      ["github", "--org", "acme", "--url", VIGIE, "--apply"],
      env(api),
    );
    expect(apply.code).toBe(0);
    expect(api.writes()).toHaveLength(1);
    expect(api.writes()[0]?.body).toEqual({
      name: "web",
      active: true,
      events: ["workflow_run"],
      config: {
        url: `${VIGIE}/webhooks/github`,
        content_type: "json",
        secret: "gh-secret",
        insecure_ssl: "0",
      },
    });
    expect(apply.stdout).toMatch(/hook id: 100\b/);

    const again = await runScript(
      "setup.ts",
      ["github", "--org", "acme", "--url", VIGIE, "--apply"],
      env(api),
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("✓ hook 100");
    expect(api.writes()).toHaveLength(1);
    // The other service's hook was never touched.
    expect(state.hooks[0]?.events).toEqual(["push"]);
  });

  it("fixes a wrong hook (events, content type, inactive) in place", async () => {
    const state: GithubState = {
      hooks: [
        {
          id: 5,
          name: "web",
          active: false,
          events: ["push", "workflow_run"],
          config: { url: `${VIGIE}/webhooks/github`, content_type: "form" },
        },
      ],
      deliveries: [],
    };
    const api = await started(githubStandIn("acme", state));
    const apply = await runScript(
      "setup.ts",
      ["github", "--org", "acme", "--url", VIGIE, "--apply"],
      env(api),
    );
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("hook 5: fixed");
    expect(api.writes().map((request) => `${request.method} ${request.path}`)).toEqual([
      "PATCH /orgs/acme/hooks/5",
    ]);
    expect(state.hooks[0]).toMatchObject({
      active: true,
      events: ["workflow_run"],
      config: { content_type: "json" },
    });
  });

  it("exits 2 on a usage error and 1 when a needed variable is unset", async () => {
    const api = await started(githubStandIn("acme", { hooks: [], deliveries: [] }));
    expect((await runScript("setup.ts", ["github", "--url", VIGIE], env(api))).code).toBe(2);
    expect((await runScript("setup.ts", ["bitbucket"], env(api))).code).toBe(2);
    const noSecret = await runScript("setup.ts", ["github", "--org", "acme", "--url", VIGIE], {
      ...env(api),
      GITHUB_WEBHOOK_SECRET: "",
    });
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toContain("GITHUB_WEBHOOK_SECRET is unset");
  });
});

describe("npm run setup -- netlify", () => {
  const env = (api: StandIn) => ({
    NETLIFY_API_URL: api.url,
    NETLIFY_AUTH_TOKEN: "nf-token",
    NETLIFY_WEBHOOK_SECRET: "nf-secret",
  });

  it("every site on every page: dry run changes nothing, --apply creates exactly what is missing, a second run nothing; a 429 is waited out", async () => {
    // 103 sites: two pages of the listing.
    const sites = Array.from({ length: 103 }, (_, i) => ({ id: `s${i}`, name: `site-${i}` }));
    const state: NetlifyState = {
      sites,
      hooks: [
        // site-0 is complete; site-1 has only the failure hook; site-2's success hook is disabled.
        {
          id: "a",
          site_id: "s0",
          type: "url",
          event: "deploy_failed",
          data: { url: `${VIGIE}/webhooks/netlify` },
          disabled: false,
        },
        {
          id: "b",
          site_id: "s0",
          type: "url",
          event: "deploy_created",
          data: { url: `${VIGIE}/webhooks/netlify` },
          disabled: false,
        },
        {
          id: "c",
          site_id: "s1",
          type: "url",
          event: "deploy_failed",
          data: { url: `${VIGIE}/webhooks/netlify` },
          disabled: false,
        },
        {
          id: "d",
          site_id: "s2",
          type: "url",
          event: "deploy_failed",
          data: { url: `${VIGIE}/webhooks/netlify` },
          disabled: false,
        },
        {
          id: "e",
          site_id: "s2",
          type: "url",
          event: "deploy_created",
          data: { url: `${VIGIE}/webhooks/netlify` },
          disabled: true,
        },
      ],
      rateLimited: 0,
    };
    const api = await started(netlifyStandIn(state));

    const dry = await runScript("setup.ts", ["netlify", "--url", VIGIE], env(api));
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("Netlify: 103 sites");
    expect(dry.stdout).toContain("✓ site-0");
    expect(dry.stdout).toContain("+ site-1: would create deploy_created");
    expect(dry.stdout).toContain("+ site-2: would enable deploy_created");
    expect(dry.stdout).toContain("+ site-102: would create deploy_failed, create deploy_created");
    expect(api.writes()).toEqual([]);

    state.rateLimited = 1;
    const typesBefore = api.requests.filter((request) => request.path === "/hooks/types").length;
    const apply = await runScript("setup.ts", ["netlify", "--url", VIGIE, "--apply"], env(api));
    expect(apply.code).toBe(0);
    // The first call got 429 and was made again after X-RateLimit-Reset.
    expect(state.rateLimited).toBe(0);
    expect(api.requests.filter((request) => request.path === "/hooks/types").length - typesBefore).toBe(2);
    expect(apply.stdout).toContain("1 right, 102 changed, 0 failed");
    expect(api.requests.some((request) => request.path === "/hooks/types")).toBe(true);
    const writes = api.writes();
    // 100 sites × 2 + site-1's missing hook, and site-2's enable.
    expect(writes.filter((request) => request.method === "POST" && request.path === "/hooks")).toHaveLength(
      201,
    );
    expect(writes.filter((request) => request.path === "/hooks/e/enable")).toHaveLength(1);
    for (const site of sites) {
      const hooks = state.hooks.filter((hook) => hook.site_id === site.id && !hook.disabled);
      expect(hooks.map((hook) => hook.event).sort()).toEqual(["deploy_created", "deploy_failed"]);
    }
    expect(state.hooks.find((hook) => hook.site_id === "s5" && hook.event === "deploy_failed")?.data).toEqual(
      {
        url: `${VIGIE}/webhooks/netlify`,
        signature_secret: "nf-secret",
      },
    );

    const count = api.writes().length;
    const again = await runScript("setup.ts", ["netlify", "--url", VIGIE, "--apply"], env(api));
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("103 right, 0 changed, 0 failed");
    expect(api.writes()).toHaveLength(count);
  });

  it("--sites limits the sites; a site whose call fails is reported and the others go on (exit 1)", async () => {
    const state: NetlifyState = {
      sites: [
        { id: "s1", name: "shop-fr" },
        { id: "s2", name: "shop-de" },
        { id: "s3", name: "blog" },
      ],
      hooks: [],
      rateLimited: 0,
    };
    const api = await started(netlifyStandIn(state));
    const shops = await runScript(
      "setup.ts",
      ["netlify", "--url", VIGIE, "--sites", "shop-*", "--apply"],
      env(api),
    );
    expect(shops.code).toBe(0);
    expect(new Set(state.hooks.map((hook) => hook.site_id))).toEqual(new Set(["s1", "s2"]));
  });
});

describe("npm run setup -- gitlab", () => {
  const env = (api: StandIn) => ({
    GITLAB_API_URL: api.url,
    GITLAB_TOKEN: "gl-token",
    GITLAB_WEBHOOK_TOKEN: "gl-hook-token",
  });
  const state = (): GitlabState => ({
    group: { id: 9, full_path: "acme/sites" },
    projects: Array.from({ length: 130 }, (_, i) => ({
      id: 1000 + i,
      path_with_namespace: `acme/sites/p${i}`,
    })),
    hooks: {},
  });

  it("group hook: dry run changes nothing, --apply creates it with the token, a second run nothing", async () => {
    const s = state();
    const api = await started(gitlabStandIn(s));
    const dry = await runScript("setup.ts", ["gitlab", "--group", "acme/sites", "--url", VIGIE], env(api));
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("would create the hook");
    expect(api.writes()).toEqual([]);
    expect(
      (await runScript("setup.ts", ["gitlab", "--group", "acme/sites", "--url", VIGIE, "--apply"], env(api)))
        .code,
    ).toBe(0);
    expect(api.writes().map((request) => request.body)).toEqual([
      {
        url: `${VIGIE}/webhooks/gitlab`,
        token: "gl-hook-token",
        pipeline_events: true,
        push_events: false,
        enable_ssl_verification: true,
      },
    ]);
    const again = await runScript(
      "setup.ts",
      ["gitlab", "--group", "acme/sites", "--url", VIGIE, "--apply"],
      env(api),
    );
    expect(again.stdout).toContain("✓ group acme/sites");
    expect(api.writes()).toHaveLength(1);
  });

  it("--projects: one hook per project of every page", async () => {
    const s = state();
    const api = await started(gitlabStandIn(s));
    const apply = await runScript(
      "setup.ts",
      ["gitlab", "--group", "acme/sites", "--url", VIGIE, "--projects", "--apply"],
      env(api),
    );
    expect(apply.code).toBe(0);
    expect(Object.keys(s.hooks)).toHaveLength(130);
    const count = api.writes().length;
    await runScript(
      "setup.ts",
      ["gitlab", "--group", "acme/sites", "--url", VIGIE, "--projects", "--apply"],
      env(api),
    );
    expect(api.writes()).toHaveLength(count);
  });
});

/** The tokens and secrets of these tests: none may reach the second origin. */
const SECRETS = ["gh-token", "gh-secret", "nf-token", "nf-secret", "gl-token", "gl-hook-token"];
const leaked = (other: StandIn): string[] =>
  SECRETS.filter((secret) => JSON.stringify(other.requests).includes(secret));

describe("credentials stay on their own origin", () => {
  const glEnv = (api: StandIn) => ({
    GITLAB_API_URL: api.url,
    GITLAB_TOKEN: "gl-token",
    GITLAB_WEBHOOK_TOKEN: "gl-hook-token",
  });
  const glState = (intercept: NonNullable<GitlabState["intercept"]>): GitlabState => ({
    group: { id: 9, full_path: "acme" },
    projects: [{ id: 1, path_with_namespace: "acme/p1" }],
    hooks: {},
    intercept,
  });

  it('GitLab: a rel="next" link to another origin is refused with a clear error; the token never goes there', async () => {
    const other = await started(otherOrigin());
    const api = await started(
      gitlabStandIn(
        glState((req) =>
          req.path === "/groups/9/projects"
            ? {
                status: 200,
                body: [{ id: 1, path_with_namespace: "acme/p1" }],
                headers: { link: `<${other.url}/steal?page=2>; rel="next"` },
              }
            : undefined,
        ),
      ),
    );
    const result = await runScript(
      "setup.ts",
      ["gitlab", "--group", "9", "--url", VIGIE, "--projects"],
      glEnv(api),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /rel="next" link .* to another origin, http:\/\/127\.0\.0\.1:\d+: not followed/,
    );
    expect(other.requests).toEqual([]);
  });

  it("GitLab: a 302 to another origin is followed without PRIVATE-TOKEN", async () => {
    const other = await started(otherOrigin());
    const api = await started(
      gitlabStandIn(
        glState((req) =>
          req.path === "/groups/9/hooks" && req.method === "GET"
            ? { status: 302, headers: { location: `${other.url}/elsewhere` } }
            : undefined,
        ),
      ),
    );
    await runScript("setup.ts", ["gitlab", "--group", "9", "--url", VIGIE], glEnv(api));
    expect(other.requests.map((request) => request.path)).toEqual(["/elsewhere"]);
    expect(leaked(other)).toEqual([]);
  });

  it("GitLab: a 307 of a PUT to another origin never re-sends its body (GITLAB_WEBHOOK_TOKEN)", async () => {
    const other = await started(otherOrigin(() => ({ status: 200, body: { id: 5 } })));
    const state = glState((req) =>
      req.method === "PUT" ? { status: 307, headers: { location: `${other.url}/hooks/5` } } : undefined,
    );
    state.hooks["groups/9"] = [{ id: 5, url: `${VIGIE}/webhooks/gitlab`, pipeline_events: false }];
    const api = await started(gitlabStandIn(state));
    const result = await runScript(
      "setup.ts",
      ["gitlab", "--group", "9", "--url", VIGIE, "--apply"],
      glEnv(api),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ group 9: GitLab: a redirect with a body from .* not followed/);
    expect(other.requests).toEqual([]);
  });

  it("GitLab: a listing whose pages repeat ends, and setup creates the hook once", async () => {
    const state = glState((req, url) =>
      req.path === "/groups/9/hooks" && req.method === "GET"
        ? {
            status: 200,
            body: (state.hooks["groups/9"] ?? []).slice(0, 1),
            headers: { "x-next-page": url.searchParams.get("page") === "2" ? "1" : "2" },
          }
        : undefined,
    );
    const api = await started(gitlabStandIn(state));
    for (let run = 0; run < 2; run++) {
      const result = await runScript(
        "setup.ts",
        ["gitlab", "--group", "9", "--url", VIGIE, "--apply"],
        glEnv(api),
      );
      expect(result.code).toBe(0);
    }
    expect(state.hooks["groups/9"]).toHaveLength(1);
    // Three requests per listing (page 1, page 2, page 1 again; then page 2 repeats), not a hundred.
    expect(
      api.requests.filter((request) => request.path === "/groups/9/hooks" && request.method === "GET"),
    ).toHaveLength(6);
  });

  it("GitHub: a 307 of a PATCH to another origin never re-sends the body (GITHUB_WEBHOOK_SECRET)", async () => {
    const other = await started(otherOrigin(() => ({ status: 200, body: {} })));
    const state: GithubState = {
      hooks: [
        {
          id: 5,
          name: "web",
          active: false,
          events: ["workflow_run"],
          config: { url: `${VIGIE}/webhooks/github`, content_type: "json" },
        },
      ],
      deliveries: [],
      intercept: (req) =>
        req.method === "PATCH"
          ? { status: 307, headers: { location: `${other.url}/orgs/acme/hooks/5` } }
          : undefined,
    };
    const api = await started(githubStandIn("acme", state));
    const result = await runScript("setup.ts", ["github", "--org", "acme", "--url", VIGIE, "--apply"], {
      GITHUB_API_URL: api.url,
      GITHUB_TOKEN: "gh-token",
      GITHUB_WEBHOOK_SECRET: "gh-secret",
    });
    expect(result.code).toBe(1);
    expect(other.requests).toEqual([]);
    expect(result.stderr).toContain("not followed with credentials");
  });

  it("Netlify: a 307 of a POST to another origin sends neither NETLIFY_AUTH_TOKEN nor the hook's secret", async () => {
    const other = await started(otherOrigin(() => ({ status: 201, body: { id: "x" } })));
    const state: NetlifyState = {
      sites: [{ id: "s1", name: "shop" }],
      hooks: [],
      rateLimited: 0,
      intercept: (req) =>
        req.method === "POST"
          ? { status: 307, headers: { location: `${other.url}/api/v1/hooks?site_id=s1` } }
          : undefined,
    };
    const api = await started(netlifyStandIn(state));
    const result = await runScript("setup.ts", ["netlify", "--url", VIGIE, "--apply"], {
      NETLIFY_API_URL: api.url,
      NETLIFY_AUTH_TOKEN: "nf-token",
      NETLIFY_WEBHOOK_SECRET: "nf-secret",
    });
    expect(result.code).toBe(1);
    expect(leaked(other)).toEqual([]);
  });

  it("GitHub: an answer larger than the bound is refused, not read", async () => {
    const huge = JSON.stringify(
      Array.from({ length: 60_000 }, (_, id) => ({
        id,
        name: "web",
        active: true,
        events: [],
        config: { url: `https://x.example/${"p".repeat(60)}` },
      })),
    );
    const api = await started(
      githubStandIn("acme", { hooks: [], deliveries: [], intercept: () => ({ status: 200, raw: huge }) }),
    );
    const result = await runScript("setup.ts", ["github", "--org", "acme", "--url", VIGIE], {
      GITHUB_API_URL: api.url,
      GITHUB_TOKEN: "gh-token",
      GITHUB_WEBHOOK_SECRET: "gh-secret",
    });
    expect(huge.length).toBeGreaterThan(4 * 1024 * 1024);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/larger than \d+ bytes/);
  });
});

describe("setup reads large listings", () => {
  it("GitLab: a page of 200,000 hooks (past what push(...page) can spread) is read", async () => {
    const hooks = JSON.stringify(
      Array.from({ length: 200_000 }, (_, id) => ({ id, url: "https://x.example/h" })),
    );
    const state: GitlabState = {
      group: { id: 9, full_path: "acme" },
      projects: [],
      hooks: {},
      intercept: (req) => (req.path === "/groups/9/hooks" ? { status: 200, raw: hooks } : undefined),
    };
    const api = await started(gitlabStandIn(state));
    const result = await runScript("setup.ts", ["gitlab", "--group", "9", "--url", VIGIE], {
      GITLAB_API_URL: api.url,
      GITLAB_TOKEN: "gl-token",
      GITLAB_WEBHOOK_TOKEN: "gl-hook-token",
    });
    expect(result.stdout).toContain("would create the hook");
    expect(result.code).toBe(0);
  });
});

describe("setup changes only vigie's hooks", () => {
  it("Netlify: another tool's hook and a staging vigie's at /webhooks/netlify are reported, never rewritten", async () => {
    const theirs = (id: string, url: string, event: string) => ({
      id,
      site_id: "s1",
      type: "url",
      event,
      data: { url, signature_secret: "their-secret" },
      disabled: false,
    });
    const state: NetlifyState = {
      sites: [{ id: "s1", name: "shop" }],
      hooks: [
        theirs("tool", "https://other-tool.example/webhooks/netlify", "deploy_failed"),
        theirs("staging", "https://staging-vigie.example/webhooks/netlify", "deploy_created"),
      ],
      rateLimited: 0,
    };
    const before = structuredClone(state.hooks);
    const api = await started(netlifyStandIn(state));
    const result = await runScript("setup.ts", ["netlify", "--url", VIGIE, "--apply"], {
      NETLIFY_API_URL: api.url,
      NETLIFY_AUTH_TOKEN: "nf-token",
      NETLIFY_WEBHOOK_SECRET: "nf-secret",
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "hook tool posts to https://other-tool.example/webhooks/netlify: not vigie's",
    );
    expect(state.hooks.slice(0, 2)).toEqual(before);
    expect(api.writes().every((request) => request.method === "POST" && request.path === "/hooks")).toBe(
      true,
    );
    expect(state.hooks.filter((hook) => hook.data.url === `${VIGIE}/webhooks/netlify`)).toHaveLength(2);
  });

  it("GitLab and GitHub: a hook at vigie's path on another host is left as it is", async () => {
    const gl: GitlabState = {
      group: { id: 9, full_path: "acme" },
      projects: [],
      hooks: { "groups/9": [{ id: 1, url: "https://staging.example/webhooks/gitlab", push_events: true }] },
    };
    const glApi = await started(gitlabStandIn(gl));
    const glRun = await runScript("setup.ts", ["gitlab", "--group", "9", "--url", VIGIE, "--apply"], {
      GITLAB_API_URL: glApi.url,
      GITLAB_TOKEN: "gl-token",
      GITLAB_WEBHOOK_TOKEN: "gl-hook-token",
    });
    expect(glRun.stdout).toContain("hook 1 posts to https://staging.example/webhooks/gitlab: not vigie's");
    expect(glApi.writes().map((request) => request.method)).toEqual(["POST"]);
    expect(gl.hooks["groups/9"]?.[0]).toMatchObject({
      url: "https://staging.example/webhooks/gitlab",
      push_events: true,
    });
  });
});

describe("setup says what happened", () => {
  it("an unreachable API is said so (not 'answered 500'), with the variable to check", async () => {
    // A port that was just listened on, then closed: nothing answers there.
    const closed = await otherOrigin();
    await closed.close();
    const result = await runScript("setup.ts", ["github", "--org", "acme", "--url", VIGIE], {
      GITHUB_API_URL: closed.url,
      GITHUB_TOKEN: "gh-token",
      GITHUB_WEBHOOK_SECRET: "gh-secret",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /cannot reach 127\.0\.0\.1:\d+: connection refused \(ECONNREFUSED\) → check GITHUB_API_URL/,
    );
    expect(result.stderr).not.toMatch(/answered 500/);
  });

  it("a refused token names its variable", async () => {
    const api = await started(githubStandIn("acme", { hooks: [], deliveries: [] }));
    const result = await runScript("setup.ts", ["github", "--org", "acme", "--url", VIGIE], {
      GITHUB_API_URL: api.url,
      GITHUB_TOKEN: "wrong-token",
      GITHUB_WEBHOOK_SECRET: "gh-secret",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/GitHub answered 401: Bad credentials.* → check GITHUB_TOKEN/);
  });

  it("control characters in API strings never reach the terminal", async () => {
    const api = await started(
      netlifyStandIn({
        sites: [{ id: "s1", name: "shop\u001b]0;owned\u0007\u001b[2J" }],
        hooks: [],
        rateLimited: 0,
      }),
    );
    const result = await runScript("setup.ts", ["netlify", "--url", VIGIE], {
      NETLIFY_API_URL: api.url,
      NETLIFY_AUTH_TOKEN: "nf-token",
      NETLIFY_WEBHOOK_SECRET: "nf-secret",
    });
    expect(result.stdout).toContain("shop ]0;owned  [2J");
    expect(result.stdout).not.toContain("\u001b");
    expect(result.stdout).not.toContain("\u0007");
  });
});
