/**
 * The burst (bench/burst.ts reports it): 500 signed deliveries of an organisation webhook covering 300
 * repositories, 20 in flight at a time: the in_progress delivery of every run, then its completion
 * (success, cancelled or failure), a few redeliveries, runs still going at the end, and one storm (a theme
 * update breaks 60 sites within a few seconds). Then the sweep runs (as the scheduler would, every minute;
 * here back to back) until every failing repository is named and a sweep had nothing to do (at most 40
 * sweeps, 180 s). Before the burst, a hello-world function served by the same runtime answers 60 requests,
 * same concurrency: what the runtime itself costs per invocation on this machine.
 *
 * STORM_GROUP_WAIT_SECONDS is 5 (30 by default) to keep the run short; everything else is the default
 * configuration (STORM_THRESHOLD 5 within 60 s).
 */
import { random } from "../samples/day.ts";
import { failedRunPayload, runPayload } from "../samples/github.ts";
import type { SlackRequest } from "../test/integration/harness.ts";
import { type GithubDelivery, githubDelivery, helloDelivery } from "./signed-delivery.ts";
import type { SimulationPlan } from "./simulator.ts";
import { headerOf } from "./simulator-collect.ts";
import { invariant } from "./stats.ts";

const SECRET = "vigie-bench-burst-secret";
export const REPOS = 300;
const DELIVERIES = 500;
export const CONCURRENCY = 20;
const STORM = 60;
export const REFERENCE_REQUESTS = 60;

export interface BurstDelivery extends GithubDelivery {
  readonly repo: string;
  readonly kind: "in_progress" | "success" | "cancelled" | "failure" | "storm" | "recovery" | "redelivery";
}

const repoName = (i: number): string => `acme/site-${String(i).padStart(3, "0")}`;

interface Expected {
  readonly failing: readonly string[];
  readonly recovering: readonly string[];
  readonly quiet: readonly string[];
}

export interface BurstPlan extends Expected {
  readonly simulation: SimulationPlan<BurstDelivery>;
}

/** Whether a message Slack accepted names `repo` (in a recovery message, with `recovery`). */
export const isNamed = (delivered: readonly SlackRequest[], repo: string, recovery = false): boolean =>
  delivered.some((m) => m.raw.includes(repo) && (!recovery || headerOf(m).startsWith("✅")));

/**
 * A repository that recovers (61–68) may never be named: when its fix (a newer run) is processed before
 * its failure, the failure is older than the newest result and opens nothing (runs are ordered by their
 * own time: docs/architecture.md). That is a decision, not a loss, and it is logged as such: the failure's
 * "processed" line says suppressed, "before the newest result". Only those count as superseded.
 */
export const isSuperseded = (
  plan: Expected,
  delivered: readonly SlackRequest[],
  logLines: ReadonlyArray<Record<string, unknown>>,
  repo: string,
): boolean =>
  plan.recovering.includes(repo) &&
  !isNamed(delivered, repo) &&
  logLines.some(
    (line) =>
      line.msg === "processed" &&
      line.site === repo &&
      line.decision === "suppressed" &&
      String(line.reason).includes("before the newest result"),
  );

/** Every failing repository named, every recovery announced, unless superseded. */
export const lostOf = (
  plan: Expected,
  delivered: readonly SlackRequest[],
  logLines: ReadonlyArray<Record<string, unknown>>,
): { readonly failing: readonly string[]; readonly recovering: readonly string[] } => {
  const superseded = (repo: string) => isSuperseded(plan, delivered, logLines, repo);
  return {
    failing: plan.failing.filter((repo) => !isNamed(delivered, repo) && !superseded(repo)),
    recovering: plan.recovering.filter((repo) => !isNamed(delivered, repo, true) && !superseded(repo)),
  };
};

const simulation = async (
  deliveries: readonly BurstDelivery[],
  expected: Expected,
): Promise<SimulationPlan<BurstDelivery>> => ({
  name: "burst",
  deliveries,
  sites: Array.from({ length: REPOS }, (_, i) => repoName(i + 1)),
  concurrency: CONCURRENCY,
  env: { GITHUB_WEBHOOK_SECRET: SECRET, REMINDER_HOURS: "0", STORM_GROUP_WAIT_SECONDS: "5" },
  // One delivery under a fresh id (ignored), so that the first measured one does not pay the runtime's setup.
  warmUp: {
    hello: [helloDelivery],
    vigie: [
      await githubDelivery(
        SECRET,
        JSON.stringify(runPayload({ repo: "acme/warm-up", action: "in_progress", conclusion: null })),
      ),
    ],
    sweep: false,
  },
  reference: {
    readBody: false,
    before: Array.from({ length: REFERENCE_REQUESTS }, () => helloDelivery),
    after: [],
  },
  // Digests wait STORM_GROUP_WAIT_SECONDS; a 429 asks for 1 s.
  sweeps: {
    kind: "drain",
    maxSweeps: 40,
    limitMs: 180_000,
    pauseMs: 1_000,
    stop: (step) => {
      const lost = lostOf(expected, step.delivered, step.logLines());
      return lost.failing.length === 0 && lost.recovering.length === 0 && step.idle();
    },
    pause: (step) => step.idle(),
  },
});

/**
 * Repositories 1-60 fail together (the storm), 61-72 fail on their own, of which 61-68 recover later;
 * 73-112 have a run cancelled; 113-174 succeed; 175-300 have a run still in progress at the end.
 * Every completed run is preceded by its in_progress delivery; 10 failures are redelivered.
 */
export const planBurst = async (): Promise<BurstPlan> => {
  const next = random(20261127);
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 27, 14, minute)).toISOString();
  let runId = 8_100_000_000;
  const make = async (
    repo: string,
    kind: BurstDelivery["kind"],
    payload: object,
  ): Promise<BurstDelivery> => ({
    ...(await githubDelivery(SECRET, JSON.stringify(payload))),
    repo,
    kind,
  });
  const run = async (repo: string, conclusion: string, kind: BurstDelivery["kind"], minute: number) => {
    const id = runId++;
    const message = kind === "storm" ? "Update theme to 4.2.0" : "Update content";
    const common = { repo, runId: id, updatedAt: at(minute), message };
    return [
      await make(repo, "in_progress", runPayload({ ...common, action: "in_progress", conclusion: null })),
      await make(
        repo,
        kind,
        conclusion === "success" ? runPayload(common) : failedRunPayload({ ...common, conclusion }),
      ),
    ];
  };

  // Background traffic, shuffled; each run's completion comes 1 to 6 runs after its in_progress.
  const background: BurstDelivery[][] = [];
  for (let i = 61; i <= 72; i++) background.push(await run(repoName(i), "failure", "failure", 1));
  for (let i = 73; i <= 112; i++) background.push(await run(repoName(i), "cancelled", "cancelled", 2));
  for (let i = 113; i <= 174; i++) background.push(await run(repoName(i), "success", "success", 3));
  for (let i = 175; i <= REPOS; i++) {
    background.push([(await run(repoName(i), "success", "success", 4))[0] as BurstDelivery]);
  }
  for (let i = background.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [background[i], background[j]] = [background[j] as BurstDelivery[], background[i] as BurstDelivery[]];
  }
  const keyed = background.flatMap((pair, index) =>
    pair.map((delivery, step) => ({
      delivery,
      key: index * 10 + (step === 0 ? 0 : 15 + Math.floor(next() * 50)),
    })),
  );
  const stream = keyed.sort((a, b) => a.key - b.key).map(({ delivery }) => delivery);
  // The storm: 60 sites, in_progress then failure, back to back, at 40% of the burst.
  const storm: BurstDelivery[] = [];
  for (let i = 1; i <= STORM; i++) storm.push(...(await run(repoName(i), "failure", "storm", 5)));
  storm.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "in_progress" ? -1 : 1));
  stream.splice(Math.floor(stream.length * 0.4), 0, ...storm);
  // Recoveries of 61-68, well after their failures; redeliveries of 10 failures (same delivery id).
  const failures = stream.filter((d) => d.kind === "failure" || d.kind === "storm");
  const tail: BurstDelivery[] = [];
  for (let i = 61; i <= 68; i++) tail.push(...(await run(repoName(i), "success", "recovery", 30)));
  for (const original of failures.slice(0, 10)) {
    tail.push({ ...original, kind: "redelivery" });
  }
  stream.push(...tail);
  invariant(
    stream.length === DELIVERIES,
    `the burst plan has ${stream.length} deliveries, not ${DELIVERIES}`,
  );
  invariant(new Set(stream.map((d) => d.repo)).size === REPOS, "the burst must cover 300 repositories");
  const expected = {
    failing: Array.from({ length: 72 }, (_, i) => repoName(i + 1)),
    recovering: Array.from({ length: 8 }, (_, i) => repoName(i + 61)),
    quiet: Array.from({ length: REPOS - 72 }, (_, i) => repoName(i + 73)),
  };
  return { ...expected, simulation: await simulation(stream, expected) };
};
