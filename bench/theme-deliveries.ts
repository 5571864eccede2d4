/**
 * One step of a theme update's run (bench/theme-plan.ts plans them) as the signed delivery GitHub or
 * Netlify sends for it: a `workflow_run` of an organisation webhook, or a deploy notification.
 */
import { runPayload } from "../samples/github.ts";
import { cancelledDeploy, failedDeploy, netlifyDeploy, readyDeploy } from "../samples/netlify.ts";
import {
  type GithubDelivery,
  githubDelivery,
  type NetlifyDelivery,
  netlifyDelivery,
  type PlannedDelivery,
} from "./signed-delivery.ts";

export const THEME_SECRETS = {
  github: "vigie-bench-theme-github-secret",
  netlify: "vigie-bench-theme-netlify-secret",
} as const;

/**
 * What a site's runs add up to, by run time (newest run decides):
 * - failing: its newest completed run failed; must be named in a failure message.
 * - fixed: a run failed, then a newer one succeeded; may be named in a failure message only if the failure
 *   reached vigie before the fix did, and then Slack's last word on it must be a recovery.
 * - green: every completed run succeeded or was cancelled; never named.
 * - cancelled-only: every completed run was cancelled (the newest is still going); never named.
 */
export type SiteState = "failing" | "fixed" | "green" | "cancelled-only";

export interface ThemeSite {
  readonly name: string;
  readonly source: "github" | "netlify";
  readonly state: SiteState;
  /** Its first run was cancelled by a newer push. */
  readonly superseded: boolean;
}

export type DeliveryKind =
  | "requested"
  | "in_progress"
  | "building"
  | "success"
  | "failure"
  | "cancelled"
  | "redelivery";

/** A planned delivery (bench/signed-delivery.ts), and what it is in the scenario. */
export interface ThemeDelivery extends PlannedDelivery {
  readonly source: (GithubDelivery | NetlifyDelivery)["source"];
  readonly path: (GithubDelivery | NetlifyDelivery)["path"];
  readonly site: string;
  readonly kind: DeliveryKind;
  /** When it happened in the scenario (ms since the epoch): what "newer" means. */
  readonly at: number;
  /** Sent after a later delivery of the same site. */
  readonly outOfOrder: boolean;
  /** For a redelivery, the kind of the original. */
  readonly original?: DeliveryKind;
}

export interface Run {
  readonly id: number;
  readonly number: number;
  readonly start: number;
  readonly inProgressAt: number;
  /** null: still going when the bench ends. */
  readonly completedAt: number | null;
  readonly conclusion: "success" | "failure" | "cancelled";
  readonly message: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const hex = (n: number, length: number): string => n.toString(16).padStart(length, "0").slice(-length);

export const isCompletion = (kind: DeliveryKind): boolean =>
  kind === "success" || kind === "failure" || kind === "cancelled";

export const githubStep = async (
  repo: string,
  run: Run,
  kind: DeliveryKind,
  at: number,
): Promise<Omit<ThemeDelivery, "outOfOrder">> => {
  const completed = isCompletion(kind);
  const payload = runPayload({
    repo,
    runId: run.id,
    action: completed ? "completed" : kind,
    conclusion: completed ? kind : null,
    message: run.message,
    author: "Theme Bot",
    actor: "acme-backoffice",
    updatedAt: iso(at),
  });
  Object.assign(payload.workflow_run, {
    status: completed ? "completed" : kind === "requested" ? "queued" : "in_progress",
    run_number: run.number,
    created_at: iso(run.start),
    run_started_at: iso(run.start),
  });
  return {
    ...(await githubDelivery(THEME_SECRETS.github, JSON.stringify(payload))),
    site: repo,
    kind,
    at,
  };
};

export const netlifyStep = async (
  index: number,
  name: string,
  run: Run,
  kind: DeliveryKind,
  at: number,
): Promise<Omit<ThemeDelivery, "outOfOrder">> => {
  const sha = hex(run.id * 7919, 40);
  const fields = {
    id: hex(run.id, 24),
    build_id: hex(run.id + 1, 24),
    site_id: `3f9c2a71-5d4e-4b8a-9e21-${hex(index, 12)}`,
    name,
    url: `https://${name}.example`,
    ssl_url: `https://${name}.example`,
    created_at: iso(run.start),
    updated_at: iso(at),
    commit_ref: sha,
    commit_url: `https://github.com/acme/${name}/commit/${sha}`,
    title: run.message,
    committer: "acme-backoffice",
  };
  const deploy =
    kind === "building"
      ? netlifyDeploy({ ...fields, state: "building", published_at: null, deploy_time: null })
      : kind === "failure"
        ? failedDeploy(fields)
        : kind === "cancelled"
          ? cancelledDeploy(fields)
          : readyDeploy({ ...fields, published_at: iso(at) });
  return {
    ...(await netlifyDelivery(THEME_SECRETS.netlify, JSON.stringify(deploy), deploy.state)),
    site: name,
    kind,
    at,
  };
};
