/**
 * A theme update the way it breaks things: N sites failing at once (all deliveries started together, 50 in
 * flight) through Netlify's local runtime and its local Blobs server, STORM_THRESHOLD=5 and
 * STORM_GROUP_WAIT_SECONDS=30 as a new user has them, a Slack stand-in that answers 429 beyond 1 message
 * per second. The sweep runs as the contract says: 35 s after the first failure, then 4 s later.
 *
 * Printed, per size (60 and 120 sites by default): answer times, 5xx answers, messages by kind (singles,
 * digests) against the bound (≤ 5 singles + ⌈digested / 40⌉ digests + 1 straggler), when each site was
 * first named (seconds after the first failure), and the store calls per delivery by decision (the
 * `processed` log line's total: before and after the answer, the inline send included).
 * A measurement, not a test: it never fails the run (`npm run bench -- storm`).
 */
import { failedRunPayload } from "../samples/github.ts";
import { type Answer, postGithub, startSlackStandIn, startVigie } from "../test/integration/harness.ts";
import { quantile, round } from "./stats.ts";

const SECRET = "bench-storm-secret";
const IN_FLIGHT = 50;
const THRESHOLD = 5;
const GROUP_WAIT_S = 30;
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
  readonly messages: {
    readonly singles: number;
    readonly digests: number;
    readonly bound: number;
    readonly withinBound: boolean;
  };
  readonly named: { readonly all: boolean; readonly missing: number; readonly lastAtS: number | null };
  readonly storeCalls: Record<string, { readonly n: number; readonly p50: number; readonly max: number }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const runOnce = async (sites: number): Promise<StormAtOnceResult> => {
  const slack = await startSlackStandIn({ strictRate: true });
  const vigie = await startVigie({
    env: {
      GITHUB_WEBHOOK_SECRET: SECRET,
      SLACK_WEBHOOK_URL: slack.url,
      STORM_THRESHOLD: String(THRESHOLD),
      STORM_GROUP_WAIT_SECONDS: String(GROUP_WAIT_S),
      REMINDER_HOURS: "0",
    },
  });
  try {
    const repos = Array.from(
      { length: sites },
      (_, i) => `theme-at-once/site-${String(i + 1).padStart(3, "0")}`,
    );
    const first = Date.now();
    const times: number[] = [];
    const answers: Answer[] = [];
    const queue = [...repos];
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let repo = queue.shift(); repo !== undefined; repo = queue.shift()) {
          const started = Date.now();
          const payload = failedRunPayload({
            repo,
            workflowName: "Build and deploy",
            updatedAt: new Date(first).toISOString(),
          });
          answers.push(await postGithub(vigie.url, payload, { secret: SECRET, raw: true }));
          times.push(Date.now() - started);
        }
      }),
    );
    const postedInMs = Date.now() - first;
    // The sweeps of the contract: the group wait + 5 s after the first failure, then 4 s later.
    await sleep(Math.max(0, first + (GROUP_WAIT_S + 5) * 1000 - Date.now()));
    await vigie.sweep();
    await sleep(4_000);
    await vigie.sweep();
    await sleep(3_000);
    const delivered = slack.delivered();
    const namedIn = (text: string) => repos.filter((repo) => text.includes(repo));
    const singles = delivered.filter((m) => namedIn(m.raw).length === 1).length;
    const digests = delivered.filter((m) => namedIn(m.raw).length > 1).length;
    const bound = THRESHOLD + Math.ceil((sites - Math.min(singles, THRESHOLD)) / SITES_PER_DIGEST) + 1;
    const namedAt = repos.map((repo) => delivered.find((m) => m.raw.includes(repo))?.at ?? null);
    const missing = namedAt.filter((at) => at === null).length;
    const last = Math.max(...namedAt.map((at) => at ?? 0));
    const calls = new Map<string, number[]>();
    for (const line of vigie.logLines()) {
      if (line.msg !== "processed" && !(line.msg === "delivery" && line.status !== 202)) continue;
      if (typeof line.storeCalls !== "number" || typeof line.decision !== "string") continue;
      const kind = `${line.decision}${typeof line.reason === "string" && line.reason.includes("digest") ? " (digest)" : ""}`;
      calls.set(kind, [...(calls.get(kind) ?? []), line.storeCalls]);
    }
    return {
      sites,
      postedInMs,
      answers: {
        p50Ms: round(quantile(times, 0.5)),
        p99Ms: round(quantile(times, 0.99)),
        maxMs: Math.max(...times),
        status5xx: answers.filter((a) => a.status >= 500).length,
      },
      messages: { singles, digests, bound, withinBound: singles <= THRESHOLD && singles + digests <= bound },
      named: {
        all: missing === 0,
        missing,
        lastAtS: missing === sites ? null : round((last - first) / 1000),
      },
      storeCalls: Object.fromEntries(
        [...calls].map(([kind, list]) => [
          kind,
          { n: list.length, p50: quantile(list, 0.5), max: Math.max(...list) },
        ]),
      ),
    };
  } finally {
    await vigie.dispose();
    await slack.close();
  }
};

/** 60 and 120 sites (or the sizes given), one after the other, each on a fresh runtime and store. */
export const benchStormAtOnce = async (
  sizes: readonly number[] = [60, 120],
): Promise<StormAtOnceResult[]> => {
  const results: StormAtOnceResult[] = [];
  for (const sites of sizes) results.push(await runOnce(sites));
  return results;
};

export const printStormAtOnce = (results: readonly StormAtOnceResult[]): void => {
  for (const r of results) {
    console.log(`\n## Theme update at once: ${r.sites} sites failing together (50 in flight)`);
    console.log(
      `posted in ${r.postedInMs} ms; answers p50 ${r.answers.p50Ms} ms, p99 ${r.answers.p99Ms} ms, max ${r.answers.maxMs} ms; 5xx: ${r.answers.status5xx}`,
    );
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
