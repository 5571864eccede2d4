import { describe, expect, it } from "vitest";
import { asFailure, githubEvent, gitlabEvent, netlifyEvent } from "../../../samples/events.ts";
import type { FailureEvent } from "../../../src/event.ts";
import { decideAutoRerun, HOUR_MS } from "../../../src/rerun/auto-rerun-budget.ts";
import { AutoRerunError, matchAutoRerun, parseAutoRerun } from "../../../src/rerun/auto-rerun-rules.ts";
import { isFlaky } from "../../../src/rerun/flaky.ts";
import { T0 } from "../clock.ts";

const upload = (step: string | null, name = "deploy") => ({
  name,
  stage: null,
  url: null,
  step,
  error: null,
});
const failing = (jobs: ReturnType<typeof upload>[], over: Parameters<typeof githubEvent>[0] = {}) =>
  asFailure(githubEvent({ ...over, failedAt: { jobs } }));

describe("AUTO_RERUN rules", () => {
  it("reads ROUTES-like conditions with step: and job:", () => {
    const [rule, every] = parseAutoRerun("site:acme/* branch:main step:Upload*; *");
    expect(rule?.route.conditions.map((c) => `${c.field}:${c.glob}`)).toEqual(["site:acme/*", "branch:main"]);
    expect(rule?.step?.test("upload to S3")).toBe(true);
    expect(rule?.job).toBeNull();
    expect(every?.route.conditions).toEqual([]);
  });

  it.each([
    ["site:acme/* -> OPS", '"->"'],
    ["site:acme/* step:", "empty pattern"],
    ["step:a step:b", "appears twice"],
    ["colour:blue", 'unknown field "colour"'],
    ["source:jenkins step:x", "unknown source"],
  ])("refuses %s, naming the rule", (text, problem) => {
    expect(() => parseAutoRerun(`site:ok/*; ${text}`)).toThrow(AutoRerunError);
    expect(() => parseAutoRerun(`site:ok/*; ${text}`)).toThrow(new RegExp(`rule 2 .*${problem}`));
  });

  it("matches a failure whose every failed job matches the step and job globs", () => {
    const rules = parseAutoRerun("site:acme/* step:Upload*");
    expect(matchAutoRerun(rules, failing([upload("Upload site")]))?.number).toBe(1);
    expect(
      matchAutoRerun(rules, failing([upload("Upload site"), upload("upload assets", "assets")])),
    ).not.toBeNull();
    // A real build failure beside the flaky upload: announced at once.
    expect(matchAutoRerun(rules, failing([upload("Upload site"), upload("Build", "build")]))).toBeNull();
    expect(matchAutoRerun(rules, failing([upload(null)]))).toBeNull();
    expect(matchAutoRerun(rules, failing([]))).toBeNull();
    expect(
      matchAutoRerun(rules, failing([upload("Upload site")], { site: "other/x", repository: "other/x" })),
    ).toBeNull();
  });

  it("matches job: against the failed job's name (GitLab jobs, Netlify stages)", () => {
    const rules = parseAutoRerun("source:gitlab job:deploy*");
    const event = gitlabEvent({ failedAt: { jobs: [upload(null, "deploy-pages")] } }) as FailureEvent;
    expect(matchAutoRerun(rules, event)).not.toBeNull();
    expect(matchAutoRerun(rules, gitlabEvent() as FailureEvent)).toBeNull();
  });

  it("without step: or job:, matches on the ROUTES conditions alone", () => {
    expect(matchAutoRerun(parseAutoRerun("branch:main"), failing([]))).not.toBeNull();
    expect(matchAutoRerun(parseAutoRerun("branch:dev"), failing([]))).toBeNull();
  });
});

describe("decideAutoRerun", () => {
  const rules = parseAutoRerun("site:acme/* step:Upload*");
  const event = failing([upload("Upload site")]);
  const base = { rules, event, alreadyRerun: false, recent: [] as number[], maxPerHour: 2, now: T0 };

  it("re-runs a matching failure and counts it in the hour", () => {
    expect(decideAutoRerun(base)).toMatchObject({ kind: "rerun", recent: [T0] });
  });

  it("keeps to AUTO_RERUN_MAX_PER_HOUR, forgetting re-runs older than an hour", () => {
    expect(decideAutoRerun({ ...base, recent: [T0 - 10, T0 - 20] })).toMatchObject({
      kind: "announce",
      reason: expect.stringContaining("AUTO_RERUN_MAX_PER_HOUR (2)"),
    });
    expect(decideAutoRerun({ ...base, recent: [T0 - HOUR_MS, T0 - 20] })).toMatchObject({
      kind: "rerun",
      recent: [T0 - 20, T0],
    });
  });

  it("re-runs once: never a failure that is already a re-run", () => {
    expect(decideAutoRerun({ ...base, alreadyRerun: true }).kind).toBe("announce");
    expect(decideAutoRerun({ ...base, event: { ...event, attempt: 2 } }).kind).toBe("announce");
  });

  it("announces what no rule matches, and Netlify deploys other than production", () => {
    expect(decideAutoRerun({ ...base, rules: [] }).kind).toBe("announce");
    expect(decideAutoRerun({ ...base, event: failing([upload("Build")]) }).kind).toBe("announce");
    const preview = asFailure(netlifyEvent({ context: "deploy-preview", site: "acme/www" }));
    expect(
      decideAutoRerun({ ...base, rules: parseAutoRerun("source:netlify"), event: preview }),
    ).toMatchObject({
      kind: "announce",
      reason: expect.stringContaining("production"),
    });
    const production = asFailure(netlifyEvent({ context: "production" }));
    expect(
      decideAutoRerun({ ...base, rules: parseAutoRerun("source:netlify"), event: production }).kind,
    ).toBe("rerun");
  });
});

describe("isFlaky", () => {
  const failed = asFailure(githubEvent());
  it("an episode closed by a run of the same commit is flaky", () => {
    expect(isFlaky(failed, githubEvent({ outcome: "success", attempt: 2 }))).toBe(true);
    expect(
      isFlaky(
        failed,
        githubEvent({
          outcome: "success",
          commit: { ...failed.commit, sha: failed.commit.sha?.toUpperCase() ?? null },
        }),
      ),
    ).toBe(true);
  });
  it("one closed by another commit, or without a commit, is not", () => {
    expect(
      isFlaky(failed, githubEvent({ outcome: "success", commit: { ...failed.commit, sha: "abc" } })),
    ).toBe(false);
    const noSha = { ...failed.commit, sha: null };
    expect(isFlaky({ ...failed, commit: noSha }, githubEvent({ outcome: "success", commit: noSha }))).toBe(
      false,
    );
    expect(isFlaky(failed, githubEvent({ outcome: "success", branch: "dev" }))).toBe(false);
  });
});
