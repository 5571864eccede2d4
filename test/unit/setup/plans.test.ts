import { describe, expect, it } from "vitest";
import { type GithubHook, planGithubHook } from "../../../src/setup/github-plan.ts";
import { type GitlabHook, nextGitlabPage, planGitlabHook } from "../../../src/setup/gitlab-plan.ts";
import { type NetlifyHook, planNetlifySite, siteMatcher } from "../../../src/setup/netlify-plan.ts";

const URL_GH = "https://vigie.example/webhooks/github";
const ghHook = (overrides: Partial<GithubHook> & { config?: GithubHook["config"] } = {}): GithubHook => ({
  id: 7,
  name: "web",
  active: true,
  events: ["workflow_run"],
  ...overrides,
  config: { url: URL_GH, content_type: "json", insecure_ssl: "0", ...overrides.config },
});

describe("planGithubHook", () => {
  it("creates the hook when none has the URL (another service's hook is left alone)", () => {
    expect(planGithubHook([ghHook({ id: 1, config: { url: "https://ci.example/hook" } })], URL_GH)).toEqual({
      action: "create",
      duplicates: [],
      foreign: [],
    });
    expect(planGithubHook([], URL_GH).action).toBe("create");
  });

  it("changes nothing when the hook is right (idempotent)", () => {
    expect(planGithubHook([ghHook()], URL_GH)).toEqual({
      action: "none",
      hookId: 7,
      duplicates: [],
      foreign: [],
    });
  });

  it.each<[string, Partial<GithubHook> & { config?: GithubHook["config"] }, RegExp]>([
    [
      "wrong events",
      { events: ["push", "workflow_run"] },
      /events are push, workflow_run, not only workflow_run/,
    ],
    ["no events", { events: [] }, /events are none/],
    ["form content type", { config: { url: URL_GH, content_type: "form" } }, /content type is form/],
    ["inactive", { active: false }, /not active/],
    ["TLS verification off", { config: { url: URL_GH, content_type: "json", insecure_ssl: "1" } }, /TLS/],
  ])("fixes a hook with %s", (_, overrides, change) => {
    const plan = planGithubHook([ghHook(overrides)], URL_GH);
    expect(plan).toMatchObject({ action: "update", hookId: 7 });
    expect(plan.action === "update" && plan.changes.join("; ")).toMatch(change);
  });

  it("reports a second hook with the same URL instead of creating a third", () => {
    expect(planGithubHook([ghHook({ id: 1 }), ghHook({ id: 2 })], URL_GH)).toEqual({
      action: "none",
      hookId: 1,
      duplicates: [2],
      foreign: [],
    });
  });

  it("a hook at vigie's path on another host is not vigie's: reported, never updated", () => {
    const staging = ghHook({ id: 9, config: { url: "https://staging.example/webhooks/github" } });
    expect(planGithubHook([staging], URL_GH)).toEqual({
      action: "create",
      duplicates: [],
      foreign: [{ id: 9, url: "https://staging.example/webhooks/github" }],
    });
    // VIGIE_URL's hook is vigie's own: moved to the new URL.
    const moved = planGithubHook([staging], URL_GH, ["https://staging.example/webhooks/github"]);
    expect(moved).toMatchObject({ action: "update", hookId: 9, foreign: [] });
    expect(moved.action === "update" && moved.changes[0]).toBe(
      "URL is https://staging.example/webhooks/github",
    );
  });
});

const URL_NF = "https://vigie.example/webhooks/netlify";
const want = { url: URL_NF, secret: "s3cret" };
const site = { id: "site-1", name: "alpha" };
const nfHook = (event: string, overrides: Partial<NetlifyHook> = {}): NetlifyHook => ({
  id: `h-${event}`,
  type: "url",
  event,
  data: { url: URL_NF },
  disabled: false,
  ...overrides,
});

describe("planNetlifySite", () => {
  it("creates both hooks on a site without any", () => {
    expect(planNetlifySite(site, [], want).actions).toEqual([
      { kind: "create", event: "deploy_failed" },
      { kind: "create", event: "deploy_created" },
    ]);
  });

  it("creates only the missing one, and leaves other hooks alone", () => {
    const hooks = [
      nfHook("deploy_failed"),
      { id: "slack", type: "slack", event: "deploy_created", data: {} },
      nfHook("deploy_created", { id: "other", data: { url: "https://zapier.example/catch" } }),
    ];
    expect(planNetlifySite(site, hooks, want)).toMatchObject({
      actions: [{ kind: "create", event: "deploy_created" }],
      ok: ["deploy_failed"],
    });
  });

  it("changes nothing when both hooks are right (idempotent), whether or not Netlify lists the secret", () => {
    const plan = planNetlifySite(
      site,
      [
        nfHook("deploy_failed"),
        nfHook("deploy_created", { data: { url: URL_NF, signature_secret: "s3cret" } }),
      ],
      want,
    );
    expect(plan).toEqual({
      site,
      actions: [],
      ok: ["deploy_failed", "deploy_created"],
      duplicates: [],
      foreign: [],
    });
  });

  it("leaves another tool's hook at vigie's path alone (reported), and creates vigie's", () => {
    const other = {
      data: { url: "https://other-tool.example/webhooks/netlify", signature_secret: "theirs" },
    };
    const plan = planNetlifySite(site, [nfHook("deploy_failed", other), nfHook("deploy_created")], want);
    expect(plan.actions).toEqual([{ kind: "create", event: "deploy_failed" }]);
    expect(plan.foreign).toEqual([
      { id: "h-deploy_failed", url: "https://other-tool.example/webhooks/netlify" },
    ]);
  });

  it("fixes vigie's hook at VIGIE_URL's old URL instead of adding one", () => {
    const plan = planNetlifySite(
      site,
      [
        nfHook("deploy_failed", { data: { url: "https://old-vigie.netlify.app/webhooks/netlify" } }),
        nfHook("deploy_created"),
      ],
      { ...want, ours: ["https://old-vigie.netlify.app/webhooks/netlify"] },
    );
    expect(plan.actions).toEqual([
      {
        kind: "update",
        event: "deploy_failed",
        hookId: "h-deploy_failed",
        changes: ["URL is https://old-vigie.netlify.app/webhooks/netlify"],
      },
    ]);
  });

  it("fixes a hook signed with another secret, and enables a disabled one", () => {
    const plan = planNetlifySite(
      site,
      [
        nfHook("deploy_failed", { data: { url: URL_NF, signature_secret: "old" } }),
        nfHook("deploy_created", { disabled: true }),
      ],
      want,
    );
    expect(plan.actions).toEqual([
      {
        kind: "update",
        event: "deploy_failed",
        hookId: "h-deploy_failed",
        changes: ["signed with another secret"],
      },
      { kind: "enable", event: "deploy_created", hookId: "h-deploy_created" },
    ]);
  });

  it("keeps the enabled hook at the right URL when there are several, and reports the others", () => {
    const plan = planNetlifySite(
      site,
      [
        nfHook("deploy_failed", { id: "a", disabled: true }),
        nfHook("deploy_failed", { id: "b" }),
        nfHook("deploy_created"),
      ],
      want,
    );
    expect(plan).toMatchObject({ actions: [], duplicates: ["a"] });
  });
});

describe("siteMatcher", () => {
  it.each<[string | undefined, string, boolean]>([
    [undefined, "anything", true],
    ["*", "anything", true],
    ["shop-*", "shop-fr", true],
    ["shop-*", "blog", false],
    ["site-?", "site-a", true],
    ["a.b", "axb", false],
  ])("%s matches %s: %s", (glob, name, expected) => {
    expect(siteMatcher(glob)(name)).toBe(expected);
  });
});

const URL_GL = "https://vigie.example/webhooks/gitlab";
const glHook = (overrides: Partial<GitlabHook> = {}): GitlabHook => ({
  id: 3,
  url: URL_GL,
  pipeline_events: true,
  push_events: false,
  enable_ssl_verification: true,
  alert_status: "executable",
  ...overrides,
});

describe("planGitlabHook", () => {
  it("creates the hook when none has the URL, and changes nothing when it is right", () => {
    expect(planGitlabHook([glHook({ url: "https://other.example" })], URL_GL)).toEqual({
      action: "create",
      foreign: [],
    });
    expect(planGitlabHook([glHook()], URL_GL)).toEqual({ action: "none", hookId: 3, foreign: [] });
  });

  it.each<[Partial<GitlabHook>, RegExp]>([
    [{ pipeline_events: false }, /pipeline events are off/],
    [{ push_events: true }, /push events are on/],
    [{ alert_status: "disabled" }, /GitLab disabled it/],
    [{ alert_status: "temporarily_disabled" }, /temporarily disabled/],
  ])("fixes %j", (overrides, change) => {
    const plan = planGitlabHook([glHook(overrides)], URL_GL);
    expect(plan.action === "update" && plan.changes.join("; ")).toMatch(change);
  });
});

describe("nextGitlabPage", () => {
  const current = new URL("https://gitlab.example/api/v4/groups/1/projects?per_page=100&page=1");
  it("follows x-next-page, then a Link rel=next, and stops when there is none", () => {
    expect(nextGitlabPage(new Headers({ "x-next-page": "2" }), current)?.searchParams.get("page")).toBe("2");
    expect(nextGitlabPage(new Headers({ "x-next-page": "" }), current)).toBeNull();
    const link =
      '<https://gitlab.example/api/v4/groups/1/projects?id_after=42>; rel="next", <https://x>; rel="first"';
    expect(nextGitlabPage(new Headers({ link }), current)?.toString()).toBe(
      "https://gitlab.example/api/v4/groups/1/projects?id_after=42",
    );
  });
});
