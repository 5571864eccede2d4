/**
 * A theme update the way it breaks things (bench/storm-at-once.ts reports it): N sites failing at once,
 * every delivery started together, 50 in flight, with STORM_THRESHOLD=5 and STORM_GROUP_WAIT_SECONDS=30 as
 * a new user has them. The sweep runs as docs/architecture.md ("Storms") says it must be enough: the group
 * wait + 5 s after the first failure, then 4 s later (the straggler's sweep); 3 s more for the last
 * messages to reach the Slack stand-in. Before it, the same deliveries to a hello-world function served by
 * the same runtime: what answering takes there without vigie.
 */
import { failedRunPayload } from "../samples/github.ts";
import { type GithubDelivery, githubDelivery } from "./signed-delivery.ts";
import type { SimulationPlan } from "./simulator.ts";

const SECRET = "bench-storm-secret";
export const IN_FLIGHT = 50;
export const STORM_THRESHOLD = 5;
export const GROUP_WAIT_SECONDS = 30;

/** `sites` failures of one workflow, at `now` (when the run is planned). */
export const planStormAtOnce = async (
  sites: number,
  now: number = Date.now(),
): Promise<SimulationPlan<GithubDelivery>> => {
  const repos = Array.from(
    { length: sites },
    (_, i) => `theme-at-once/site-${String(i + 1).padStart(3, "0")}`,
  );
  const updatedAt = new Date(now).toISOString();
  const deliveries: GithubDelivery[] = [];
  for (const repo of repos) {
    const payload = failedRunPayload({ repo, workflowName: "Build and deploy", updatedAt });
    deliveries.push(await githubDelivery(SECRET, JSON.stringify(payload)));
  }
  return {
    name: `storm-at-once-${sites}`,
    deliveries,
    sites: repos,
    concurrency: IN_FLIGHT,
    env: {
      GITHUB_WEBHOOK_SECRET: SECRET,
      STORM_THRESHOLD: String(STORM_THRESHOLD),
      STORM_GROUP_WAIT_SECONDS: String(GROUP_WAIT_SECONDS),
      REMINDER_HOURS: "0",
    },
    // The runtime's own cost in the same shape: the same N bodies to a hello-world function, 50 in flight,
    // all at once, before vigie's run.
    reference: { readBody: true, before: deliveries, after: [] },
    sweeps: {
      kind: "at",
      afterFirstMs: [(GROUP_WAIT_SECONDS + 5) * 1000, (GROUP_WAIT_SECONDS + 9) * 1000],
      settleMs: 3_000,
    },
  };
};
