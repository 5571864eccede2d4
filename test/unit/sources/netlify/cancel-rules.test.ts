import { describe, expect, it } from "vitest";
import {
  cancelledDeploy,
  failedDeploy,
  type NetlifyDeployJson,
  netlifyDeploy,
  readyDeploy,
  skippedDeploy,
} from "../../../../samples/netlify.ts";
import {
  cancelRules,
  classifyDeploy,
  NOT_AN_OUTCOME_EVENTS,
  NOT_FINISHED_STATES,
} from "../../../../src/sources/netlify/cancel-rules.ts";
import { type DeployPayload, deployPayloadSchema } from "../../../../src/sources/netlify/schema.ts";

/** Through the real schema, as the source does: the rules only ever see validated payloads. */
const parsed = (deploy: NetlifyDeployJson): DeployPayload => deployPayloadSchema.parse(deploy);
const errored = (error_message: string | null, extra: Partial<NetlifyDeployJson> = {}) =>
  failedDeploy({ error_message, ...extra });

describe("classifyDeploy: notifications that are not real failures", () => {
  it.each<[string, NetlifyDeployJson, string]>([
    ["cancelled build", cancelledDeploy(), "cancelled"],
    ["cancelled build, British spelling", errored("Cancelled build"), "cancelled"],
    ["no content change, with the stage prefix", skippedDeploy(), "no-content-change"],
    [
      "no content change, bare (older deploys)",
      errored("Canceled build due to no content change"),
      "no-content-change",
    ],
    [
      "no content change, lowercase stage prefix",
      errored(
        "failed during stage 'checking build content for changes': Canceled build due to no content change",
      ),
      "no-content-change",
    ],
    [
      "cancelled build behind a stage prefix",
      errored("Failed during stage 'building site': Canceled build"),
      "cancelled",
    ],
    [
      "cancelled by a build plugin",
      errored("Build canceled by netlify-plugin-deploy-hours"),
      "cancelled-by-plugin",
    ],
    ["deploy was cancelled", errored("Deploy was canceled"), "deploy-cancelled"],
    ["skipped flag", errored(null, { skipped: true }), "skipped"],
    ["skipped message", errored("Skipped"), "skipped"],
    ["locked (Deploy locked, no event header)", readyDeploy({ locked: true }), "locked"],
    [
      "still building (Deploy started)",
      netlifyDeploy({ state: "building", published_at: null }),
      "not-finished",
    ],
    ["new", netlifyDeploy({ state: "new" }), "not-finished"],
    ["enqueued", netlifyDeploy({ state: "enqueued" }), "not-finished"],
    ["uploading", netlifyDeploy({ state: "uploading" }), "not-finished"],
    ["processing", netlifyDeploy({ state: "processing" }), "not-finished"],
    ["prepared", netlifyDeploy({ state: "prepared" }), "not-finished"],
    ["retrying", netlifyDeploy({ state: "retrying" }), "not-finished"],
    ["deploy request rejected", netlifyDeploy({ state: "rejected" }), "not-finished"],
    ["state skipped", netlifyDeploy({ state: "skipped" }), "not-finished"],
    ["state canceled", netlifyDeploy({ state: "canceled", error_message: "Canceled build" }), "not-finished"],
    ["state cancelled", netlifyDeploy({ state: "cancelled" }), "not-finished"],
    ["a state Netlify might add", netlifyDeploy({ state: "hibernating" }), "unknown-state"],
  ])("%s → ignored by %s", (_name, deploy, rule) => {
    expect(classifyDeploy(parsed(deploy))).toMatchObject({ kind: "ignored", rule });
  });

  it.each([...NOT_AN_OUTCOME_EVENTS])("X-Netlify-Event %s → ignored, whatever the deploy says", (event) => {
    expect(classifyDeploy(parsed(readyDeploy()), event)).toMatchObject({
      kind: "ignored",
      rule: "not-an-outcome-event",
    });
    expect(classifyDeploy(parsed(failedDeploy()), event)).toMatchObject({ kind: "ignored" });
  });

  it("every listed state is ignored, and neither error nor ready is listed", () => {
    expect(NOT_FINISHED_STATES.has("error")).toBe(false);
    expect(NOT_FINISHED_STATES.has("ready")).toBe(false);
    for (const state of NOT_FINISHED_STATES) {
      expect(classifyDeploy(parsed(netlifyDeploy({ state })))).toMatchObject({ kind: "ignored" });
    }
  });

  it("names every rule once, each with a reason", () => {
    const names = cancelRules.map((rule) => rule.name);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of cancelRules) expect(rule.reason.length).toBeGreaterThan(10);
  });
});

describe("classifyDeploy: real failures stay failures", () => {
  it.each<[string, NetlifyDeployJson]>([
    ["build command failed", failedDeploy()],
    [
      "another exit code",
      errored("Failed during stage 'building site': Build script returned non-zero exit code: 4"),
    ],
    [
      "old lowercase prefix",
      errored("failed during stage 'building site': Build script returned non-zero exit code: 127"),
    ],
    ["timeout (bare message)", errored("Timeout")],
    [
      "clone failed",
      errored("Failed during stage 'preparing repo': fatal: repository not found: exit status 128"),
    ],
    [
      "dependency installation",
      errored(
        "Failed during stage 'Install dependencies': dependency_installation script returned non-zero exit code: 1",
      ),
    ],
    ["plugin failed", errored('Plugin "@netlify/plugin-lighthouse" failed')],
    [
      "ignore command itself broke",
      errored("Failed during stage 'checking build content for changes': exit status 2"),
    ],
    [
      "credits exhausted: nothing ships until someone acts",
      errored("Skipped due to account credit usage exceeded"),
    ],
    [
      "credits exhausted, even when flagged skipped",
      errored("Skipped due to account credit usage exceeded", { skipped: true }),
    ],
    [
      "'Canceled build' not at the start",
      errored("Failed during stage 'building site': tests failed; Canceled build"),
    ],
    ["no message at all", errored(null)],
    ["empty message", errored("")],
    [
      "locked false",
      errored("Failed during stage 'building site': Build script returned non-zero exit code: 2", {
        locked: false,
      }),
    ],
  ])("%s → failure", (_name, deploy) => {
    expect(classifyDeploy(parsed(deploy))).toEqual({ kind: "failure" });
  });

  it.each(["deploy_failed", "deploy_failed_after_succeeding", "something_new", null])(
    "a failed deploy with X-Netlify-Event %s is a failure",
    (event) => {
      expect(classifyDeploy(parsed(failedDeploy()), event)).toEqual({ kind: "failure" });
    },
  );
});

describe("classifyDeploy: successes", () => {
  it.each<[string, NetlifyDeployJson, string | null]>([
    ["ready, Deploy succeeded", readyDeploy(), "deploy_created"],
    ["ready, no event header", readyDeploy(), null],
    ["ready, locked false", readyDeploy({ locked: false }), null],
    ["ready, deploy preview", readyDeploy({ context: "deploy-preview", review_id: 42 }), "deploy_created"],
  ])("%s → success", (_name, deploy, event) => {
    expect(classifyDeploy(parsed(deploy), event)).toEqual({ kind: "success" });
  });
});
