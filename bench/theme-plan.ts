/**
 * The deliveries of a theme update, planned ahead and deterministic (seeded): the back
 * office pushes a new theme to 300 sites within two minutes; every push starts a run (GitHub: `requested`,
 * `in_progress`, then `completed`; Netlify: "Deploy started", then "Deploy succeeded"/"Deploy failed").
 *
 * - About a third of the sites get a second push while the first run is going: the first run completes
 *   `cancelled` a few seconds after the newer one started (GitHub's `concurrency: cancel-in-progress`,
 *   https://docs.github.com/actions/using-jobs/using-concurrency; Netlify: "Canceled build").
 * - 10 % of the sites fail: their newest run concludes `failure` (Netlify: a build error).
 * - 5 % fail, then a fix pushed a few minutes later succeeds ("fixed"): green in the end.
 * - 4 % only ever have cancelled runs: the newer run is still going when the bench ends.
 * - 20 % of the deliveries are out of order: sent after a later delivery of the same site (an older run's
 *   completion after the newer run's completion first, then any delivery after its site's next one).
 * - 5 % are redelivered later: same body, same X-GitHub-Delivery (GitHub's "Redeliver").
 *
 * Sites 1–270 are GitHub repositories `acme/site-NNN` (one org webhook), 271–300 Netlify sites
 * `acme-site-NNN` (one deploy notification hook each, same secret); the last tenth for a smaller run.
 */
import { createHash, randomUUID } from "node:crypto";
import { random } from "../samples/day.ts";
import { runPayload, signGithub } from "../samples/github.ts";
import {
  cancelledDeploy,
  failedDeploy,
  netlifyDeploy,
  netlifyEventFor,
  readyDeploy,
  signNetlify,
} from "../samples/netlify.ts";
import { invariant } from "./stats.ts";

export const THEME_SECRETS = {
  github: "vigie-bench-theme-github-secret",
  netlify: "vigie-bench-theme-netlify-secret",
} as const;

/** The theme update's size; a smaller one (`sites`) is for trying the bench out quickly. */
export const THEME_SITES = 300;
const SHARE = {
  failing: 0.1,
  fixed: 0.05,
  cancelledOnly: 0.04,
  superseded: 1 / 3,
  outOfOrder: 0.2,
  redelivered: 0.05,
} as const;
const T0 = Date.parse("2026-11-29T10:00:00Z");
const SECOND = 1000;

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

export interface ThemeDelivery {
  readonly site: string;
  readonly source: "github" | "netlify";
  readonly kind: DeliveryKind;
  /** When it happened in the scenario (ms since the epoch): what "newer" means. */
  readonly at: number;
  /** The id vigie logs as `delivery`: X-GitHub-Delivery, or `netlify:` + the body's SHA-256 prefix. */
  readonly id: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly path: "/webhooks/github" | "/webhooks/netlify";
  /** Sent after a later delivery of the same site. */
  readonly outOfOrder: boolean;
  /** For a redelivery, the kind of the original. */
  readonly original?: DeliveryKind;
}

export interface ThemePlan {
  readonly sites: readonly ThemeSite[];
  /** In sending order. */
  readonly deliveries: readonly ThemeDelivery[];
}

interface Run {
  readonly id: number;
  readonly number: number;
  readonly start: number;
  readonly inProgressAt: number;
  /** null: still going when the bench ends. */
  readonly completedAt: number | null;
  readonly conclusion: "success" | "failure" | "cancelled";
  readonly message: string;
}

const siteName = (i: number, source: ThemeSite["source"]): string =>
  `acme${source === "github" ? "/" : "-"}site-${String(i).padStart(3, "0")}`;

const iso = (ms: number): string => new Date(ms).toISOString();
const hex = (n: number, length: number): string => n.toString(16).padStart(length, "0").slice(-length);

export const planThemeUpdate = async (siteCount = THEME_SITES, seed = 20261129): Promise<ThemePlan> => {
  const netlifySites = Math.round(siteCount / 10);
  const next = random(seed);
  const between = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const shuffled = <T>(items: readonly T[]): T[] => {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  };

  // Which site is what: shuffled, so GitHub and Netlify sites get every state.
  const order = shuffled(Array.from({ length: siteCount }, (_, i) => i + 1));
  const count = (share: number) => Math.round(siteCount * share);
  const failing = new Set(order.slice(0, count(SHARE.failing)));
  const fixed = new Set(order.slice(failing.size, failing.size + count(SHARE.fixed)));
  const cancelledOnly = new Set(
    order.slice(failing.size + fixed.size, failing.size + fixed.size + count(SHARE.cancelledOnly)),
  );
  // Superseded: every cancelled-only site, a third of the failing ones, then green ones up to a third.
  const superseded = new Set(cancelledOnly);
  for (const i of [...failing].slice(0, Math.round(failing.size / 3))) superseded.add(i);
  for (const i of order.slice(failing.size + fixed.size + cancelledOnly.size)) {
    if (superseded.size >= count(SHARE.superseded)) break;
    superseded.add(i);
  }

  const sites: ThemeSite[] = [];
  const natural: Array<Omit<ThemeDelivery, "outOfOrder">> = [];
  let runId = 8_200_000_000;
  for (let i = 1; i <= siteCount; i++) {
    const source = i > siteCount - netlifySites ? "netlify" : "github";
    const name = siteName(i, source);
    const state: SiteState = failing.has(i)
      ? "failing"
      : fixed.has(i)
        ? "fixed"
        : cancelledOnly.has(i)
          ? "cancelled-only"
          : "green";
    sites.push({ name, source, state, superseded: superseded.has(i) });

    const runs: Run[] = [];
    const newRun = (
      start: number,
      message: string,
      duration: number | null,
      conclusion: Run["conclusion"],
    ) => {
      const inProgressAt = start + between(3, 15) * SECOND;
      const run: Run = {
        id: runId++,
        number: 400 + runs.length,
        start,
        inProgressAt,
        completedAt: duration === null ? null : inProgressAt + duration,
        conclusion,
        message,
      };
      runs.push(run);
      return run;
    };
    const themePush = T0 + between(0, 120) * SECOND;
    const duration = () => between(90, 240) * SECOND;
    if (superseded.has(i)) {
      const first = newRun(themePush + 2 * SECOND, "Update theme to 4.2.0", 0, "cancelled");
      const second = newRun(
        first.inProgressAt + between(10, 60) * SECOND,
        "Update theme to 4.2.1",
        state === "cancelled-only" ? null : duration(),
        state === "failing" ? "failure" : "success",
      );
      // The older run is cancelled when the newer one starts (cancel-in-progress).
      runs[0] = { ...first, completedAt: second.inProgressAt + between(1, 5) * SECOND };
    } else {
      const first = newRun(
        themePush + 2 * SECOND,
        "Update theme to 4.2.0",
        duration(),
        state === "failing" || state === "fixed" ? "failure" : "success",
      );
      if (state === "fixed") {
        newRun(
          (first.completedAt as number) + between(60, 240) * SECOND,
          "Fix the theme's header partial",
          duration(),
          "success",
        );
      }
    }

    for (const run of runs) {
      const steps: Array<[DeliveryKind, number]> =
        source === "github"
          ? [
              ["requested", run.start],
              ["in_progress", run.inProgressAt],
            ]
          : [["building", run.start]];
      if (run.completedAt !== null) steps.push([run.conclusion, run.completedAt]);
      for (const [kind, at] of steps) {
        natural.push(
          source === "github"
            ? await githubDelivery(name, run, kind, at)
            : await netlifyDelivery(i, name, run, kind, at),
        );
      }
    }
  }

  // Natural order: by time. Then keys that move some deliveries later (a key is a position, plus a fraction).
  natural.sort((a, b) => a.at - b.at);
  const keyOf = natural.map((_, index) => index);
  const moved = new Set<number>();
  const pinned = new Set<number>();
  const laterOfSite = (index: number): number => {
    const site = (natural[index] as ThemeDelivery).site;
    for (let j = index + 1; j < natural.length; j++) if (natural[j]?.site === site) return j;
    return -1;
  };
  const moveAfter = (index: number, target: number) => {
    keyOf[index] = target + between(0, 40) + 0.5;
    moved.add(index);
    pinned.add(target);
  };
  const wanted = Math.round(natural.length * SHARE.outOfOrder);
  // First the cases that matter: half of the older runs' completions after the newer run's completion.
  for (const site of sites) {
    if (next() >= 0.5) continue;
    const completions = natural
      .map((delivery, index) => ({ delivery, index }))
      .filter(({ delivery }) => delivery.site === site.name && isCompletion(delivery.kind));
    const [older, newer] = completions;
    if (older !== undefined && newer !== undefined && !pinned.has(older.index)) {
      moveAfter(older.index, newer.index);
    }
  }
  // Then any delivery after its site's next one, until a fifth of them are out of order.
  for (const index of shuffled(natural.map((_, i) => i))) {
    if (moved.size >= wanted) break;
    if (moved.has(index) || pinned.has(index)) continue;
    const target = laterOfSite(index);
    if (target === -1 || moved.has(target)) continue;
    moveAfter(index, target);
  }

  // Redeliveries: the same delivery again, 20 to 400 deliveries later.
  const sending: Array<{ key: number; delivery: ThemeDelivery }> = natural.map((delivery, index) => ({
    key: keyOf[index] as number,
    delivery: { ...delivery, outOfOrder: false },
  }));
  for (const index of shuffled(natural.map((_, i) => i)).slice(
    0,
    Math.round(natural.length * SHARE.redelivered),
  )) {
    const original = natural[index] as ThemeDelivery;
    sending.push({
      key: (keyOf[index] as number) + between(20, 400) + 0.25,
      delivery: { ...original, kind: "redelivery", original: original.kind, outOfOrder: false },
    });
  }
  sending.sort((a, b) => a.key - b.key);

  // Out of order, as sent: after a delivery of the same site that happened later.
  const latestSent = new Map<string, number>();
  const deliveries = sending.map(({ delivery }) => {
    const latest = latestSent.get(delivery.site) ?? Number.NEGATIVE_INFINITY;
    latestSent.set(delivery.site, Math.max(latest, delivery.at));
    return { ...delivery, outOfOrder: delivery.at < latest };
  });
  invariant(
    new Set(deliveries.map((d) => d.site)).size === siteCount,
    `the plan must cover ${siteCount} sites`,
  );
  return { sites, deliveries };
};

export const isCompletion = (kind: DeliveryKind): boolean =>
  kind === "success" || kind === "failure" || kind === "cancelled";

const githubDelivery = async (
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
  const body = JSON.stringify(payload);
  const id = randomUUID();
  return {
    site: repo,
    source: "github",
    kind,
    at,
    id,
    body,
    path: "/webhooks/github",
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/vigie-bench",
      "x-github-event": "workflow_run",
      "x-github-delivery": id,
      "x-hub-signature-256": await signGithub(THEME_SECRETS.github, body),
    },
  };
};

const netlifyDelivery = async (
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
  const body = JSON.stringify(deploy);
  return {
    site: name,
    source: "netlify",
    kind,
    at,
    // What vigie logs as `delivery` (src/sources/netlify/netlify-source.ts).
    id: `netlify:${createHash("sha256").update(body).digest("hex").slice(0, 16)}`,
    body,
    path: "/webhooks/netlify",
    headers: {
      "content-type": "application/json",
      "user-agent": "Netlify",
      "x-netlify-event": netlifyEventFor(deploy.state),
      "x-webhook-signature": await signNetlify(THEME_SECRETS.netlify, body),
    },
  };
};
