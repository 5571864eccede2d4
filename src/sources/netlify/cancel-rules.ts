import type { DeployPayload } from "./schema.ts";

/**
 * The one place that decides which Netlify notifications are not real failures.
 *
 * Netlify has no "Deploy cancelled" or "Deploy skipped" notification: cancelled builds and builds skipped
 * by the ignore command arrive as "Deploy failed", with `state: "error"` and an `error_message` that says
 * so (https://answers.netlify.com/t/deploy-notifications-add-deploy-skipped-type/17757, "a skipped build
 * is considered a 'failed' build in Netlify deploy notification land"; also
 * https://answers.netlify.com/t/deploy-notifications-cancel-vs-failure/37300 and
 * https://github.com/netlify/build/issues/1224). Each rule below names one such case; the first rule
 * that matches wins. To add a case: add a rule with a source, and a row to cancel-rules.test.ts.
 *
 * Everything not matched here is an outcome: `state: "error"` is a failure, `state: "ready"` a success.
 * Real failures look like "Failed during stage 'building site': Build script returned non-zero exit
 * code: 2" or a bare "Timeout"; they must never match a rule.
 */
export interface CancelRule {
  readonly name: string;
  /** Why a notification matching this rule is not a build outcome; ends up in the answer and the log. */
  readonly reason: string;
  /** `event` is the `X-Netlify-Event` header, null when absent. */
  readonly matches: (deploy: DeployPayload, event: string | null) => boolean;
}

export type DeployClass =
  | { readonly kind: "failure" }
  | { readonly kind: "success" }
  | { readonly kind: "ignored"; readonly rule: string; readonly reason: string };

/**
 * `X-Netlify-Event` names the notification a delivery belongs to; Netlify sends one event per hook.
 * Names seen: deploy_building, deploy_created ("Deploy succeeded"), deploy_failed (netlify-cli
 * src/utils/init/config-github.ts, GITHUB_HOOK_EVENTS); deploy_locked, deploy_unlocked (Zulip's Netlify
 * integration, zerver/webhooks/netlify/view.py); deploy_request_pending/_accepted/_rejected (several
 * open-source receivers). deploy_deleted and deploy_restored are not confirmed from a primary source.
 * These are not outcomes: a lock or unlock re-sends the already published deploy (state "ready"), which
 * would otherwise read as a success. Unknown names (e.g. the "Previously failed deploy succeeded"
 * variants) fall through to the deploy's own state.
 */
export const NOT_AN_OUTCOME_EVENTS: ReadonlySet<string> = new Set([
  "deploy_building",
  "deploy_locked",
  "deploy_unlocked",
  "deploy_deleted",
  "deploy_restored",
  "deploy_request_pending",
  "deploy_request_accepted",
  "deploy_request_rejected",
]);

/**
 * States of a deploy that has not finished building, or never will. netlify-cli's deploy poller
 * (src/utils/deploy/util.ts, citing bitballoon's app/models/deploy.rb) waits through `preparing`,
 * `prepared`, `uploading`, `uploaded` until `ready` or `error`; `new` and `building` are what "Deploy
 * started" notifications carry (Zulip's fixture deploy_building.json). `enqueued`, `processing`,
 * `processed`, `retrying`, `pending_review`, `accepted`, `rejected`, `skipped`, `canceled`/`cancelled` are
 * NOT confirmed from a primary source (Netlify's OpenAPI spec types `state` as a plain string); they are
 * listed so that a notification carrying one is never mistaken for a failure.
 */
export const NOT_FINISHED_STATES: ReadonlySet<string> = new Set([
  "new",
  "pending_review",
  "accepted",
  "enqueued",
  "building",
  "preparing",
  "prepared",
  "uploading",
  "uploaded",
  "processing",
  "processed",
  "retrying",
  "rejected",
  "skipped",
  "canceled",
  "cancelled",
]);

/**
 * Newer messages carry the stage that stopped the build: "Failed during stage 'checking build content for
 * changes': Canceled build due to no content change". Older ones start lowercase ("failed during stage
 * 'building site': ..." in Zulip's 2018 fixture deploy_failed.json). Rules match what follows the stage.
 */
const STAGE_PREFIX = /^failed during stage '[^']*':\s*/i;

/** The message without its stage prefix, trimmed; "" when there is none. */
export const errorCause = (deploy: DeployPayload): string =>
  (deploy.error_message ?? "").trim().replace(STAGE_PREFIX, "").trim();

/**
 * Netlify skips builds once the account's credits run out: `state: "error"`, "Skipped due to account
 * credit usage exceeded" (reported in many public projects' notes, e.g. per-site `getSiteDeploy` output).
 * Deliberately NOT ignored: nothing reaches the site until someone acts, which is what vigie is for.
 */
const CREDITS_EXCEEDED = /^skipped due to account credit usage exceeded/i;

const failed = (deploy: DeployPayload): boolean => deploy.state === "error";
const causeMatches =
  (pattern: RegExp) =>
  (deploy: DeployPayload): boolean =>
    failed(deploy) && pattern.test(errorCause(deploy));

export const cancelRules: readonly CancelRule[] = [
  {
    name: "not-an-outcome-event",
    reason: "this notification (X-Netlify-Event) reports a start, lock, unlock, restore or deploy request",
    matches: (_deploy, event) => event !== null && NOT_AN_OUTCOME_EVENTS.has(event),
  },
  {
    name: "not-finished",
    reason: "the deploy has not finished building (or was never built)",
    matches: (deploy) => NOT_FINISHED_STATES.has(deploy.state),
  },
  {
    // Anything else than error/ready is not an outcome either; kept apart so the answer names it.
    name: "unknown-state",
    reason: "the deploy's state is neither error nor ready",
    matches: (deploy) => deploy.state !== "error" && deploy.state !== "ready",
  },
  {
    // Zulip's fixture deploy_locked.json: a "Deploy locked" delivery is the published deploy, ready,
    // with `locked: true`. Only useful when X-Netlify-Event is missing; whether a deploy built while
    // the site is locked also carries `locked: true` is not confirmed (we believe it does not).
    name: "locked",
    reason: "the site was locked to this already published deploy; nothing was built",
    matches: (deploy) => deploy.state === "ready" && deploy.locked === true,
  },
  {
    // The ignore command exited 0, or Netlify found no change in the base directory: "the build system
    // cancels and essentially skips the build" (https://docs.netlify.com/configure-builds/ignore-builds/).
    // Message as recorded in deploy objects: "Failed during stage 'checking build content for changes':
    // Canceled build due to no content change", and without the prefix in older deploys.
    name: "no-content-change",
    reason: "the ignore command found nothing to build (Canceled build due to no content change)",
    matches: causeMatches(/^cancell?ed build due to no content change\b/i),
  },
  {
    // Cancelled from the UI ("Cancel deploy"), through the API (POST /deploys/{id}/cancel, which netlify
    // build plugins call through utils.build.cancelBuild: https://github.com/netlify/build/pull/941), or
    // superseded: "If you queue up a few deploys on the same site and branch, we WILL skip the middle
    // ones" (https://answers.netlify.com/t/duplicated-deploys/23526/5). The message starts "Canceled
    // build" (the contract vigie was built to); the exact wording of each of these three paths is not confirmed separately.
    name: "cancelled",
    reason: "the build was cancelled (by someone, a build plugin, or a newer deploy)",
    matches: causeMatches(/^cancell?ed build\b/i),
  },
  {
    // @netlify/build titles a plugin's cancelBuild() "Build canceled by <plugin>" (lib/error/types.js);
    // whether that title ever becomes the deploy's error_message is NOT confirmed.
    name: "cancelled-by-plugin",
    reason: "a build plugin cancelled the build (utils.build.cancelBuild)",
    matches: causeMatches(/^build (?:was )?cancell?ed\b/i),
  },
  {
    // NOT confirmed: no primary source shows this wording; listed because it would mean the same.
    name: "deploy-cancelled",
    reason: "the deploy was cancelled",
    matches: causeMatches(/^deploy (?:was )?cancell?ed\b/i),
  },
  {
    // `skipped: true` is in Netlify's deploy definition (open-api) without a documented meaning; a
    // "Skipped ..." message other than the credits one is NOT confirmed either. Both mean "not built".
    name: "skipped",
    reason: "Netlify skipped this build",
    matches: (deploy) =>
      failed(deploy) &&
      !CREDITS_EXCEEDED.test(errorCause(deploy)) &&
      (deploy.skipped === true || /^skipped\b/i.test(errorCause(deploy))),
  },
];

/**
 * What a Netlify notification means for vigie: a failure to report, a success (closes an episode), or
 * ignored with the name of the rule that says why.
 */
export const classifyDeploy = (deploy: DeployPayload, event: string | null = null): DeployClass => {
  for (const rule of cancelRules) {
    if (rule.matches(deploy, event)) return { kind: "ignored", rule: rule.name, reason: rule.reason };
  }
  return deploy.state === "ready" ? { kind: "success" } : { kind: "failure" };
};
