/** The sweep and what its callers need (its steps: src/pipeline/sweep/). */
export { PRUNE_EVERY_MS, RETENTION, type SweepReport } from "./sweep/retention.ts";
export { SWEEP_BUDGET_MS, type SweepOptions, sweep } from "./sweep/run.ts";
