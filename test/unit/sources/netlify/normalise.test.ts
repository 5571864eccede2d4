import { describe, expect, it } from "vitest";
import {
  cancelledDeploy,
  failedDeploy,
  LOG_ACCESS_TOKEN,
  type NetlifyDeployJson,
  readyDeploy,
  SKEW_PROTECTION_TOKEN,
  skippedDeploy,
} from "../../../../samples/netlify.ts";
import { idempotencyKey, streamKey } from "../../../../src/event.ts";
import { netlifyDeploySchema } from "../../../../src/event-schema.ts";
import { MAX_DETAIL_LENGTH, normaliseDeploy } from "../../../../src/sources/netlify/normalise.ts";
import { deployPayloadSchema } from "../../../../src/sources/netlify/schema.ts";
import type { Interpretation } from "../../../../src/sources/source.ts";
import { errorSignature } from "../../../../src/why/signature.ts";

const normalise = (deploy: NetlifyDeployJson, event: string | null = null): Interpretation =>
  normaliseDeploy(deployPayloadSchema.parse(deploy), event);

const eventOf = (deploy: NetlifyDeployJson) => {
  const result = normalise(deploy);
  if (result.kind !== "run") throw new Error(`expected a run, got ${JSON.stringify(result)}`);
  return result.event;
};

describe("normaliseDeploy", () => {
  it("turns a failed deploy into a NetlifyDeployEvent, field by field", () => {
    const event = eventOf(failedDeploy());
    expect(event).toEqual({
      source: "netlify",
      site: "acme-docs",
      siteUrl: "https://docs.acme.example",
      workflow: "Netlify build",
      branch: "main",
      context: "production",
      commit: {
        sha: "9f2c4e1b7a3d5c8e0f1a2b3c4d5e6f708192a3b4",
        message: "Update theme to 4.2.0",
        url: "https://github.com/acme/acme-docs/commit/9f2c4e1b7a3d5c8e0f1a2b3c4d5e6f708192a3b4",
        author: "jdoe",
      },
      outcome: "deploy_error",
      detail: "Failed during stage 'building site': Build script returned non-zero exit code: 2",
      logsUrl: "https://app.netlify.com/sites/acme-docs/deploys/674a1f3c9b2e4d0008c1a2b3",
      actor: "jdoe",
      attempt: 1,
      occurredAt: "2026-11-20T09:43:52.908Z",
      startedAt: "2026-11-20T09:41:07.312Z",
      siteId: "3f9c2a71-5d4e-4b8a-9e21-7c6d5b4a3f10",
      deployId: "674a1f3c9b2e4d0008c1a2b3",
      failedAt: {
        jobs: [
          {
            name: "Netlify build",
            stage: null,
            url: "https://app.netlify.com/sites/acme-docs/deploys/674a1f3c9b2e4d0008c1a2b3",
            step: "building site",
            error: "Build script returned non-zero exit code: 2",
            signature: errorSignature("Build script returned non-zero exit code: 2"),
          },
        ],
      },
    });
    // The shape the store and the pipeline validate against.
    expect(netlifyDeploySchema.safeParse(event).success).toBe(true);
    expect(idempotencyKey(event)).toBe(
      "netlify:3f9c2a71-5d4e-4b8a-9e21-7c6d5b4a3f10:674a1f3c9b2e4d0008c1a2b3",
    );
    expect(streamKey(event)).toBe("netlify:3f9c2a71-5d4e-4b8a-9e21-7c6d5b4a3f10:production:main");
  });

  it("turns a ready deploy into a success without detail", () => {
    const event = eventOf(readyDeploy({ error_message: "left over from an earlier state" }));
    expect(event.outcome).toBe("success");
    expect(event.detail).toBeNull();
  });

  it.each<[string, NetlifyDeployJson, string]>([
    ["cancelled", cancelledDeploy(), "cancelled"],
    ["no content change", skippedDeploy(), "no-content-change"],
  ])("%s → skip, ignored, naming the rule", (_name, deploy, rule) => {
    const result = normalise(deploy);
    expect(result).toMatchObject({ kind: "skip", status: "ignored" });
    expect(result.kind === "skip" && result.reason.startsWith(`${rule}: `)).toBe(true);
  });

  it("ignores a lock notification by its X-Netlify-Event", () => {
    expect(normalise(readyDeploy(), "deploy_locked")).toMatchObject({ kind: "skip", status: "ignored" });
  });

  it.each<[string, Partial<NetlifyDeployJson>, string]>([
    [
      "encodes the site name",
      { name: "acme docs/ü" },
      "https://app.netlify.com/sites/acme%20docs%2F%C3%BC/deploys/",
    ],
    [
      "encodes the deploy id",
      { id: "a/b?c#d" },
      "https://app.netlify.com/sites/acme-docs/deploys/a%2Fb%3Fc%23d",
    ],
  ])("logs URL %s", (_name, overrides, prefix) => {
    expect(eventOf(failedDeploy(overrides)).logsUrl.startsWith(prefix)).toBe(true);
  });

  it.each<[string, Partial<NetlifyDeployJson>, string | null]>([
    ["ssl_url first", {}, "https://docs.acme.example"],
    [
      "url when ssl_url is null",
      { ssl_url: null, url: "http://docs.acme.example" },
      "http://docs.acme.example",
    ],
    [
      "deploy_ssl_url last",
      { ssl_url: null, url: null },
      "https://674a1f3c9b2e4d0008c1a2b3--acme-docs.netlify.app",
    ],
    [
      "empty strings are skipped",
      { ssl_url: "", url: "http://docs.acme.example" },
      "http://docs.acme.example",
    ],
  ])("site URL: %s", (_name, overrides, expected) => {
    expect(eventOf(failedDeploy(overrides)).siteUrl).toBe(expected);
  });

  it.each<[string, string | null, string | null]>([
    ["first line only", "Fix header\n\nLong body", "Fix header"],
    ["CRLF", "Fix header\r\nbody", "Fix header"],
    ["trimmed", "  Fix header  ", "Fix header"],
    ["null title", null, null],
    ["blank title", "   \n", null],
  ])("commit message: %s", (_name, title, expected) => {
    expect(eventOf(failedDeploy({ title })).commit.message).toBe(expected);
  });

  it("keeps manual deploys (no branch, commit or committer) as nulls", () => {
    const event = eventOf(
      failedDeploy({ branch: null, commit_ref: null, commit_url: null, committer: null, title: null }),
    );
    expect(event).toMatchObject({
      branch: null,
      commit: { sha: null, message: null, url: null, author: null },
      actor: null,
    });
  });

  it("falls back to created_at when updated_at is missing", () => {
    expect(eventOf(failedDeploy({ updated_at: null })).occurredAt).toBe("2026-11-20T09:41:07.312Z");
  });

  it("bounds the detail to 500 characters, marking the cut, without splitting a surrogate pair", () => {
    const long = `Failed during stage 'building site': ${"😀".repeat(600)}`;
    const detail = eventOf(failedDeploy({ error_message: long })).detail ?? "";
    expect(Array.from(detail)).toHaveLength(MAX_DETAIL_LENGTH);
    expect(detail.endsWith("…")).toBe(true);
    expect(detail).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    const short = "Failed during stage 'building site': Build script returned non-zero exit code: 2";
    expect(eventOf(failedDeploy({ error_message: short })).detail).toBe(short);
  });

  it("never carries log_access_attributes or any token into the event", () => {
    for (const deploy of [failedDeploy(), readyDeploy()]) {
      const text = JSON.stringify(eventOf(deploy));
      expect(text).not.toContain(LOG_ACCESS_TOKEN);
      expect(text).not.toContain(SKEW_PROTECTION_TOKEN);
      expect(text).not.toContain("log_access_attributes");
      expect(text).not.toContain("firebaseio.com");
    }
  });
});
