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
 *
 * The storm simulator (bench/simulator.ts) sends them 50 in flight, in this order; GitHub deliveries answered
 * 5xx are sent again up to 3 times; then the sweep runs back to back (a 2 s pause when a sweep got nothing
 * to Slack) until nothing is in flight, waiting for a digest or pending in the outbox, or 240 s have passed.
 * A hello-world function gets a sample of the same deliveries (every k-th), half before vigie's run and half
 * after, so that a change in the machine's load weighs on both. Configuration: STORM_THRESHOLD=5,
 * STORM_GROUP_WAIT_SECONDS=5 (30 by default: a shorter run), STORM_WINDOW_SECONDS=600 (60 by default:
 * vigie's deliveries take minutes here, so the whole theme update is one storm and its bound is well
 * defined), REMINDER_HOURS=0.
 */
import { randomUUID } from "node:crypto";
import { random } from "../samples/day.ts";
import type { SimulationPlan } from "./simulator.ts";
import { invariant } from "./stats.ts";
import {
  type DeliveryKind,
  githubStep,
  isCompletion,
  netlifyStep,
  type Run,
  type SiteState,
  THEME_SECRETS,
  type ThemeDelivery,
  type ThemeSite,
} from "./theme-deliveries.ts";

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

export const CONCURRENCY = 50;
export const STORM_THRESHOLD = 5;
export const GROUP_WAIT_SECONDS = 5;
export const WINDOW_SECONDS = 600;
export const DRAIN_LIMIT_MS = 240_000;
/** Redeliveries per GitHub delivery, at most (MAX_ATTEMPTS_PER_GUID in src/redelivery/plan.ts). */
export const REDELIVERY_ATTEMPTS = 3;
/** Hello-world gets a sample of the same deliveries (every k-th), half before vigie's run, half after. */
export const HELLO_REQUESTS = 300;

export interface ThemePlan {
  readonly sites: readonly ThemeSite[];
  /** In sending order. */
  readonly deliveries: readonly ThemeDelivery[];
  /** How the storm simulator runs them. */
  readonly simulation: SimulationPlan<ThemeDelivery>;
}

const siteName = (i: number, source: ThemeSite["source"]): string =>
  `acme${source === "github" ? "/" : "-"}site-${String(i).padStart(3, "0")}`;

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
            ? await githubStep(name, run, kind, at)
            : await netlifyStep(i, name, run, kind, at),
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
  return { sites, deliveries, simulation: simulation(sites, deliveries) };
};

const simulation = (
  sites: readonly ThemeSite[],
  deliveries: readonly ThemeDelivery[],
): SimulationPlan<ThemeDelivery> => {
  const every = Math.max(1, Math.ceil(deliveries.length / HELLO_REQUESTS));
  const sample = deliveries.filter((_, index) => index % every === 0);
  const half = (parity: number) => sample.filter((_, index) => index % 2 === parity);
  // Warm-up, unmeasured: each function once (an ignored delivery under a fresh id, a sweep).
  const warm = deliveries.find((d) => d.kind === "requested");
  const warmNetlify = deliveries.find((d) => d.kind === "building");
  const fresh = randomUUID();
  return {
    name: "theme-update",
    deliveries,
    sites: sites.map((site) => site.name),
    concurrency: CONCURRENCY,
    env: {
      GITHUB_WEBHOOK_SECRET: THEME_SECRETS.github,
      NETLIFY_WEBHOOK_SECRET: THEME_SECRETS.netlify,
      STORM_THRESHOLD: String(STORM_THRESHOLD),
      STORM_GROUP_WAIT_SECONDS: String(GROUP_WAIT_SECONDS),
      STORM_WINDOW_SECONDS: String(WINDOW_SECONDS),
      REMINDER_HOURS: "0",
    },
    warmUp: {
      hello: [warm, warmNetlify].filter((d) => d !== undefined),
      vigie: warm ? [{ ...warm, id: fresh, headers: { ...warm.headers, "x-github-delivery": fresh } }] : [],
      sweep: true,
    },
    reference: { readBody: true, before: half(0), after: half(1) },
    redeliveries: REDELIVERY_ATTEMPTS,
    sweeps: {
      kind: "drain",
      maxSweeps: Number.POSITIVE_INFINITY,
      limitMs: DRAIN_LIMIT_MS,
      pauseMs: 2_000,
      stop: async (step) => Object.values(await step.left()).every((n) => n === 0),
      pause: (step) => step.newMessages === 0,
    },
  };
};
