/** Kept for bench/theme-plan.ts until it imports samples/ itself: the simulated day lives in samples/day.ts. */
export * from "../samples/day.ts";
