/**
 * A burst through Netlify's local runtime (bench/burst-plan.ts plans it, bench/simulator.ts runs it): the
 * real functions (`netlify functions:serve`, each invocation a fresh worker importing the bundle, i.e. a
 * cold start), the local Blobs server, and a Slack stand-in that answers 429 beyond 1 message per second,
 * like Slack. Reported: deliveries/s sustained, answer time p50/p99, Slack messages produced, and that
 * nothing was lost: every failing repository is named in a message Slack accepted, every recovered one in
 * a recovery message (unless its fix was processed before its failure: then the failure is older than the
 * newest result and never announced, which the log shows), no answer was an error.
 */
import { CONCURRENCY, isSuperseded, lostOf, planBurst, REFERENCE_REQUESTS, REPOS } from "./burst-plan.ts";
import { simulate } from "./simulator.ts";
import { counts, msOf, timeFigures } from "./simulator-collect.ts";
import { invariant, quantile, round } from "./stats.ts";

export interface BurstResult {
  readonly deliveries: number;
  readonly repositories: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly deliveriesPerSecond: number;
  readonly answerMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
  readonly answers: Record<string, number>;
  readonly sweeps: number;
  readonly drainSeconds: number;
  readonly slack: {
    readonly messages: number;
    readonly attempts: number;
    readonly rateLimited: number;
    readonly failureMessages: number;
    readonly failureDigests: number;
    readonly recoveryMessages: number;
    readonly recoveryDigests: number;
    /** The header of every accepted message, in order. */
    readonly headers: readonly string[];
  };
  readonly lost: { readonly failing: readonly string[]; readonly recovering: readonly string[] };
  /** Recovering repositories whose failure was processed after their fix: older, so never announced. */
  readonly superseded: readonly string[];
  readonly quietNamed: readonly string[];
  readonly bootSeconds: number;
  /** Time spent inside vigie per delivery (the `ms` of its delivery log lines), ms. */
  readonly inVigieMs: { readonly p50: number; readonly p99: number };
  /**
   * The same local runtime answering a hello-world function (no work at all), same concurrency, just
   * before the burst: what the runtime itself costs per invocation on this machine.
   */
  readonly runtimeReference: {
    readonly requests: number;
    readonly perSecond: number;
    readonly p50: number;
    readonly p99: number;
  };
}

export const runBurst = async (options: { log?: (line: string) => void } = {}): Promise<BurstResult> => {
  const plan = await planBurst();
  const run = await simulate(plan.simulation, options.log ? { log: options.log } : {});
  const reference = run.hello?.before ?? { sent: [], seconds: Number.NaN };
  const refused = reference.sent.find((s) => s.status !== 200);
  invariant(refused === undefined, `the hello-world reference answered ${refused?.answer}`);
  const delivered = run.slack.delivered;
  const of = (kind: string) => run.messages.filter((m) => m.kind === kind).length;
  const times = run.sent.map((s) => s.ms);
  const inVigie = msOf(run.deliveryLines);
  const referenceTimes = reference.sent.map((s) => s.ms);
  return {
    deliveries: run.sent.length,
    repositories: REPOS,
    concurrency: CONCURRENCY,
    seconds: round(run.seconds, 2),
    deliveriesPerSecond: round(run.sent.length / run.seconds, 1),
    answerMs: timeFigures(times),
    answers: counts(run.sent, (s) => s.answer),
    sweeps: run.sweeps.count,
    drainSeconds: round(run.sweeps.seconds, 1),
    slack: {
      messages: delivered.length,
      attempts: run.slack.posts,
      rateLimited: run.slack.rateLimited,
      failureMessages: of("failure"),
      failureDigests: of("digest"),
      recoveryMessages: of("recovery"),
      recoveryDigests: of("recovery digest"),
      headers: run.messages.map((m) => m.header),
    },
    lost: lostOf(plan, delivered, run.logLines),
    superseded: plan.recovering.filter((repo) => isSuperseded(plan, delivered, run.logLines, repo)),
    quietNamed: plan.quiet.filter((repo) => run.messages.some((m) => m.sites.has(repo))),
    bootSeconds: round(run.bootSeconds, 1),
    inVigieMs: { p50: round(quantile(inVigie, 0.5), 0), p99: round(quantile(inVigie, 0.99), 0) },
    runtimeReference: {
      requests: REFERENCE_REQUESTS,
      perSecond: round(REFERENCE_REQUESTS / reference.seconds, 1),
      p50: round(quantile(referenceTimes, 0.5), 0),
      p99: round(quantile(referenceTimes, 0.99), 0),
    },
  };
};

/** The result as printed lines. */
export const burstLines = (r: BurstResult): string[] => [
  `Burst: ${r.deliveries} deliveries of ${r.repositories} repositories, ${r.concurrency} in flight, through ` +
    `\`netlify functions:serve\` (every invocation a fresh worker), Slack stand-in limited to 1 message/s`,
  `  sustained ${r.deliveriesPerSecond} deliveries/s (${r.seconds} s); answer time p50 ${r.answerMs.p50} ms, ` +
    `p90 ${r.answerMs.p90} ms, p99 ${r.answerMs.p99} ms, max ${r.answerMs.max} ms; ` +
    `inside vigie p50 ${r.inVigieMs.p50} ms, p99 ${r.inVigieMs.p99} ms`,
  `  same runtime, hello-world function, same concurrency: ${r.runtimeReference.perSecond}/s, ` +
    `p50 ${r.runtimeReference.p50} ms, p99 ${r.runtimeReference.p99} ms`,
  `  answers: ${Object.entries(r.answers)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")}`,
  `  Slack: ${r.slack.messages} messages accepted (${r.slack.failureMessages} failures, ` +
    `${r.slack.failureDigests} storm digests, ${r.slack.recoveryMessages} recoveries, ` +
    `${r.slack.recoveryDigests} recovery digests), ${r.slack.attempts} posts, ${r.slack.rateLimited} answered 429; ` +
    `drained by ${r.sweeps} sweeps in ${r.drainSeconds} s`,
  `  nothing lost: ${r.lost.failing.length === 0 ? "every" : "NOT every"} failing repository (72) named, ` +
    `${r.lost.recovering.length === 0 ? "every" : "NOT every"} recovery (8) announced` +
    `${r.superseded.length > 0 ? ` (${r.superseded.length} fixed before their failure was processed: never announced, as older than their fix)` : ""}, ` +
    `${r.quietNamed.length === 0 ? "no" : r.quietNamed.length} quiet repository named`,
];
