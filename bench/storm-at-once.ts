/**
 * N sites failing at once (bench/storm-plan.ts) through the storm simulator (bench/simulator.ts): Netlify's
 * local runtime and its local Blobs server, a Slack stand-in that answers 429 beyond 1 message per second.
 *
 * Printed, per size (60 and 120 sites by default): answer times, 5xx answers, messages by kind (singles,
 * digests) against the bound (≤ 5 singles + ⌈digested / 40⌉ digests + 1 straggler), when each site was
 * first named (seconds after the first failure), and the store calls per delivery by decision (the
 * `processed` log line's total: before and after the answer, the inline send included).
 * A measurement, not a test: it never fails the run (`npm run bench -- storm`).
 */
import { simulate } from "./simulator.ts";
import { storeCallsBy } from "./simulator-collect.ts";
import { quantile, round } from "./stats.ts";
import { planStormAtOnce, STORM_THRESHOLD } from "./storm-plan.ts";

const SITES_PER_DIGEST = 40;

export interface StormAtOnceResult {
  readonly sites: number;
  readonly postedInMs: number;
  readonly answers: {
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly maxMs: number;
    readonly status5xx: number;
  };
  /** hello-world's answers in the same shape (the same N bodies, 50 in flight, all at once). */
  readonly hello: { readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number } | null;
  readonly messages: {
    readonly singles: number;
    readonly digests: number;
    readonly bound: number;
    readonly withinBound: boolean;
  };
  readonly named: { readonly all: boolean; readonly missing: number; readonly lastAtS: number | null };
  readonly storeCalls: Record<string, { readonly n: number; readonly p50: number; readonly max: number }>;
}

const runOnce = async (sites: number, log?: (line: string) => void): Promise<StormAtOnceResult> => {
  const run = await simulate(await planStormAtOnce(sites), log ? { log } : {});
  const times = run.sent.map((s) => s.ms);
  const helloTimes = run.hello?.before.sent.map((s) => s.ms) ?? [];
  const singles = run.messages.filter((m) => m.sites.size === 1).length;
  const digests = run.messages.filter((m) => m.sites.size > 1).length;
  const bound =
    STORM_THRESHOLD + Math.ceil((sites - Math.min(singles, STORM_THRESHOLD)) / SITES_PER_DIGEST) + 1;
  const namedAt = [...run.firstNamed.values()];
  const missing = namedAt.filter((at) => at === null).length;
  const last = Math.max(...namedAt.map((at) => at ?? 0));
  // Each delivery's total: its "processed" line, or its answer's line when nothing ran after the answer.
  const totals = [
    ...run.processedLines.filter((line) => line.msg === "processed"),
    ...run.deliveryLines.filter((line) => line.status !== 202),
  ].filter((line) => typeof line.storeCalls === "number" && typeof line.decision === "string");
  const digested = (line: Record<string, unknown>) =>
    typeof line.reason === "string" && line.reason.includes("digest") ? " (digest)" : "";
  const calls = storeCallsBy(totals, (line) => `${String(line.decision)}${digested(line)}`);
  return {
    sites,
    postedInMs: Math.round(run.seconds * 1000),
    answers: {
      p50Ms: round(quantile(times, 0.5), 0),
      p99Ms: round(quantile(times, 0.99), 0),
      maxMs: round(Math.max(...times), 0),
      status5xx: run.sent.filter((s) => s.status >= 500 || s.status === 0).length,
    },
    hello:
      helloTimes.length === 0
        ? null
        : {
            p50Ms: round(quantile(helloTimes, 0.5), 0),
            p99Ms: round(quantile(helloTimes, 0.99), 0),
            maxMs: round(Math.max(...helloTimes), 0),
          },
    messages: {
      singles,
      digests,
      bound,
      withinBound: singles <= STORM_THRESHOLD && singles + digests <= bound,
    },
    named: {
      all: missing === 0,
      missing,
      lastAtS: missing === sites ? null : round((last - run.startedAt) / 1000),
    },
    storeCalls: Object.fromEntries(
      calls.map((c) => [c.decision, { n: c.deliveries, p50: c.p50 ?? 0, max: c.max ?? 0 }]),
    ),
  };
};

/** 60 and 120 sites (or the sizes given), one after the other, each on a fresh runtime and store. */
export const benchStormAtOnce = async (
  sizes: readonly number[] = [60, 120],
  options: { log?: (line: string) => void } = {},
): Promise<StormAtOnceResult[]> => {
  const results: StormAtOnceResult[] = [];
  for (const sites of sizes) results.push(await runOnce(sites, options.log));
  return results;
};

export const printStormAtOnce = (results: readonly StormAtOnceResult[]): void => {
  for (const r of results) {
    console.log(`\n## Theme update at once: ${r.sites} sites failing together (50 in flight)`);
    console.log(
      `posted in ${r.postedInMs} ms; answers p50 ${r.answers.p50Ms} ms, p99 ${r.answers.p99Ms} ms, max ${r.answers.maxMs} ms; 5xx: ${r.answers.status5xx}`,
    );
    if (r.hello) {
      const { p50Ms, p99Ms, maxMs } = r.hello;
      const within = r.answers.maxMs <= Math.max(10_000, maxMs + 1_000);
      const tail = r.answers.p99Ms <= 1.5 * p99Ms;
      console.log(
        `hello-world, same shape: p50 ${p50Ms} ms, p99 ${p99Ms} ms, max ${maxMs} ms; every answer within 10 s or its max + 1 s: ${within ? "PASS" : "FAIL"}; p99 ≤ 1.5× its p99: ${tail ? "PASS" : "FAIL"}; no 5xx: ${r.answers.status5xx === 0 ? "PASS" : "FAIL"}`,
      );
    }
    console.log(
      `messages: ${r.messages.singles} alone + ${r.messages.digests} digests (bound ${r.messages.bound}): ${r.messages.withinBound ? "PASS" : "FAIL"}`,
    );
    console.log(
      `every site named after the sweeps at +35 s and +39 s: ${r.named.all ? "PASS" : `FAIL (${r.named.missing} missing)`}; last named at +${r.named.lastAtS ?? "-"} s`,
    );
    for (const [kind, c] of Object.entries(r.storeCalls))
      console.log(`store calls, ${kind}: p50 ${c.p50}, max ${c.max} (${c.n} deliveries)`);
  }
};
