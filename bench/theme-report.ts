/** The theme update's expectations and report (bench/theme-update.ts runs it through the storm simulator). */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RUNTIME_MEMORY_LIMIT_BYTES } from "./runtime-watch.ts";
import { OUT_DIR } from "./simulator.ts";
import {
  counts,
  isFailureMessage,
  isRecoveryMessage,
  type Message,
  type MessageKind,
  type StoreCalls,
} from "./simulator-collect.ts";
import type { Sent } from "./simulator-send.ts";
import { isCompletion, type ThemeDelivery, type ThemeSite } from "./theme-deliveries.ts";
import { REDELIVERY_ATTEMPTS, STORM_THRESHOLD } from "./theme-plan.ts";

export const DIGEST_PART_SITES = 40;
/** GitHub's answer budget (https://docs.github.com/webhooks/using-webhooks/best-practices-for-using-webhooks). */
export const GITHUB_TIMEOUT_MS = 10_000;
export const THEME_OUTPUT = join(OUT_DIR, "theme-update.json");

export interface Check {
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

export interface ThemeUpdateResult {
  readonly date: string;
  readonly settings: Record<string, number | string>;
  readonly plan: {
    readonly sites: Record<string, number>;
    readonly deliveries: number;
    readonly byKind: Record<string, number>;
    readonly outOfOrder: number;
    readonly redelivered: number;
  };
  readonly bootSeconds: number;
  /** The `functions:serve` process during the run. */
  readonly runtime: {
    readonly peakRssGiB: number;
    readonly peakThreads: number;
    readonly pausedSeconds: number;
  };
  readonly seconds: number;
  readonly deliveriesPerSecond: number;
  readonly answers: Record<string, number>;
  readonly fiveXx: number;
  /** GitHub deliveries answered 5xx, sent again (as vigie's sweep would have GitHub do), and the answers. */
  readonly redelivered: {
    readonly requests: number;
    readonly answers: Record<string, number>;
    /** GitHub deliveries still answered 5xx after the last redelivery: GitHub gives up on them. */
    readonly stillFailed: number;
  };
  /** Netlify deliveries answered 5xx: Netlify does not redeliver them. */
  readonly netlifyFiveXx: number;
  /** The answers to each kind of delivery (completions are what need the store). */
  readonly answersByKind: Record<string, Record<string, number>>;
  /** Why vigie answered 5xx: the `reason` of its delivery log lines, counted. */
  readonly fiveXxReasons: Record<string, number>;
  readonly over10s: number;
  readonly answerMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
  readonly hello: {
    readonly requests: number;
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
  };
  readonly ratio: { readonly p50: number; readonly p99: number };
  readonly inVigieMs: { readonly p50: number; readonly p99: number };
  /** Store calls before the answer: the "delivery" log lines. */
  readonly storeCalls: readonly StoreCalls[];
  /**
   * Store calls in all, for deliveries processed after their answer: the "processed" log lines (and
   * "processing failed…", which the sweep finishes). Empty when vigie processes before answering.
   */
  readonly storeCallsProcessed: readonly StoreCalls[];
  readonly slack: {
    readonly delivered: number;
    readonly posts: number;
    readonly rateLimited: number;
    readonly byKind: Record<MessageKind, number>;
    /** Per failure digest: the storm size its header gives, and the sites this part names. */
    readonly digestSites: ReadonlyArray<{ readonly header: number | null; readonly named: number }>;
    readonly recoveryDigestSites: readonly number[];
    readonly other: readonly string[];
    readonly headers: readonly string[];
  };
  readonly firstFailureToLastDigestSeconds: number | null;
  readonly firstFailureToAllNamedSeconds: number | null;
  readonly drain: {
    readonly sweeps: number;
    readonly seconds: number;
    readonly drained: boolean;
    readonly left: Record<string, number>;
  };
  readonly checks: readonly Check[];
}

export const list = (names: readonly string[], max = 8): string =>
  names.length === 0
    ? "none"
    : `${names.slice(0, max).join(", ")}${names.length > max ? ` …and ${names.length - max} more` : ""}`;

/** The expectations, precisely (bench/theme-plan.ts defines the site states). */
export const checkExpectations = (
  sites: readonly ThemeSite[],
  sent: ReadonlyArray<Sent<ThemeDelivery>>,
  messages: readonly Message[],
  result: Pick<ThemeUpdateResult, "fiveXx" | "over10s" | "answerMs" | "hello" | "drain">,
): Check[] => {
  const naming = (site: string) => messages.filter((m) => m.sites.has(site));
  const of = (state: ThemeSite["state"]) => sites.filter((s) => s.state === state).map((s) => s.name);
  const checks: Check[] = [];
  const check = (name: string, violations: readonly string[], detail = list(violations)) =>
    checks.push({ name, pass: violations.length === 0, detail });

  check("no 5xx answer", result.fiveXx > 0 ? [`${result.fiveXx} answers 5xx`] : [], `${result.fiveXx} 5xx`);
  check(
    "every answer within GitHub's 10 s",
    result.over10s > 0 ? [`${result.over10s}`] : [],
    `${result.over10s} over 10 s, max ${result.answerMs.max} ms`,
  );
  check(
    "answer p99 ≤ 2× hello-world's p99",
    result.answerMs.p99 > 2 * result.hello.p99 ? ["missed"] : [],
    `${result.answerMs.p99} ms vs 2 × ${result.hello.p99} ms`,
  );
  check(
    "every failing site named in a failure message",
    of("failing").filter((site) => !naming(site).some(isFailureMessage)),
  );
  check(
    "no green or cancelled-only site named",
    [...of("green"), ...of("cancelled-only")].flatMap((site) => {
      const named = naming(site);
      return named.length === 0 ? [] : [`${site} (${named.map((m) => m.kind).join(", ")})`];
    }),
  );
  // A fixed site's failure may be announced only if it reached vigie before the fix did (an older result
  // delivered after a newer one must change nothing); a failure in flight with the fix is allowed either way.
  check(
    "a fixed site named failing only if its failure arrived before the fix",
    of("fixed").filter((site) => {
      if (!naming(site).some(isFailureMessage)) return false;
      const original = (kind: string) =>
        sent.find((s) => s.delivery.site === site && s.delivery.kind === kind && isCompletion(kind));
      const failure = original("failure");
      const fix = original("success");
      return failure !== undefined && fix !== undefined && failure.sentAt > fix.answeredAt;
    }),
  );
  check(
    "Slack's last word on each site matches its state",
    [...of("failing"), ...of("fixed")].flatMap((site) => {
      const last = naming(site).at(-1);
      if (last === undefined) return [];
      const state = sites.find((s) => s.name === site)?.state;
      const ok = state === "failing" ? isFailureMessage(last) : isRecoveryMessage(last);
      return ok ? [] : [`${site} (${state}, last: ${last.kind})`];
    }),
  );
  check(
    "no site named in two failure messages",
    sites.map((s) => s.name).filter((site) => naming(site).filter(isFailureMessage).length > 1),
  );
  const failureMessages = messages.filter(isFailureMessage);
  const failingNamed = new Set(failureMessages.flatMap((m) => [...m.sites])).size;
  const bound = STORM_THRESHOLD + Math.ceil(Math.max(0, failingNamed - STORM_THRESHOLD) / DIGEST_PART_SITES);
  check(
    "storm bound: failure messages ≤ threshold + digests of ≤ 40 sites",
    failureMessages.length > bound ? ["over"] : [],
    `${failureMessages.length} failure messages (${failureMessages.filter((m) => m.kind === "failure").length} single) ` +
      `for ${failingNamed} sites; bound ${STORM_THRESHOLD} + ⌈${Math.max(0, failingNamed - STORM_THRESHOLD)}/40⌉ = ${bound}`,
  );
  const bodies = counts(messages, (m) => m.raw);
  check(
    "no Slack message delivered twice",
    Object.entries(bodies)
      .filter(([, n]) => n > 1)
      .map(([raw, n]) => `${n}× ${messages.find((m) => m.raw === raw)?.header ?? ""}`),
  );
  check(
    "everything processed and sent (store drained)",
    result.drain.drained ? [] : ["not drained"],
    Object.entries(result.drain.left)
      .map(([k, v]) => `${k} ${v}`)
      .join(", "),
  );
  return checks;
};

export const storeCallsText = (calls: readonly StoreCalls[]): string =>
  calls
    .map((s) => {
      const which = s.counted === s.deliveries ? `${s.deliveries}` : `${s.deliveries}, ${s.counted} counted`;
      return `${s.decision} (${which}) ${s.mean === null ? "n/a" : `mean ${s.mean} max ${s.max}`}`;
    })
    .join("; ");

/** The result as printed lines. */
export const themeUpdateLines = (r: ThemeUpdateResult): string[] => {
  const seconds = (value: number | null, none: string) => (value === null ? `n/a (${none})` : `${value} s`);
  const kv = (record: Record<string, number>) =>
    Object.entries(record)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
  const lines = [
    `Theme update: ${r.plan.sites.github} GitHub repositories + ${r.plan.sites.netlify} Netlify sites, ` +
      `${r.plan.deliveries} deliveries, ${r.settings.concurrency} in flight, through \`netlify functions:serve\`; ` +
      `STORM_THRESHOLD=${r.settings.STORM_THRESHOLD}, STORM_GROUP_WAIT_SECONDS=${r.settings.STORM_GROUP_WAIT_SECONDS} (bench), ` +
      `STORM_WINDOW_SECONDS=${r.settings.STORM_WINDOW_SECONDS} (bench), Slack stand-in 1 message/s`,
    `  sites: failing ${r.plan.sites.failing ?? 0}, fixed (failed then fixed) ${r.plan.sites.fixed ?? 0}, ` +
      `cancelled-only ${r.plan.sites["cancelled-only"] ?? 0}, green ${r.plan.sites.green ?? 0}; ` +
      `${r.plan.sites.superseded} with a run cancelled by a newer push`,
    `  deliveries: ${kv(r.plan.byKind)}; ${r.plan.outOfOrder} out of order ` +
      `(${Math.round((100 * r.plan.outOfOrder) / r.plan.deliveries)} %), ${r.plan.redelivered} redelivered`,
    `  answer time p50 ${r.answerMs.p50} ms, p90 ${r.answerMs.p90} ms, p99 ${r.answerMs.p99} ms, max ${r.answerMs.max} ms ` +
      `(${r.deliveriesPerSecond}/s over ${r.seconds} s); inside vigie p50 ${r.inVigieMs.p50} ms, p99 ${r.inVigieMs.p99} ms`,
    `  hello-world, same runtime, same bodies, same concurrency (${r.hello.requests} requests, half before, half after): ` +
      `p50 ${r.hello.p50} ms, p99 ${r.hello.p99} ms; ratio p50 ${r.ratio.p50}×, p99 ${r.ratio.p99}×`,
    `  answers: ${kv(r.answers)}; 5xx: ${r.fiveXx}; over 10 s: ${r.over10s}`,
    ...(r.fiveXx > 0 ? [`  why 5xx (first answers and redeliveries): ${kv(r.fiveXxReasons)}`] : []),
    `  5xx GitHub deliveries sent again as vigie's sweep would have GitHub redeliver them: ${r.redelivered.requests} ` +
      `requests (${kv(r.redelivered.answers) || "none"}), ${r.redelivered.stillFailed} still 5xx after ${REDELIVERY_ATTEMPTS}; ` +
      `Netlify deliveries answered 5xx (never redelivered): ${r.netlifyFiveXx}`,
    `  answers by delivery: ${Object.entries(r.answersByKind)
      .map(([kind, answers]) => `${kind}: ${kv(answers)}`)
      .join("; ")}`,
    `  store calls per delivery before its answer, by decision: ${storeCallsText(r.storeCalls)}`,
    ...(r.storeCallsProcessed.length === 0
      ? []
      : [
          `  store calls in all, deliveries processed after the answer: ${storeCallsText(r.storeCallsProcessed)}`,
        ]),
    `  Slack: ${r.slack.delivered} messages accepted (${r.slack.posts} posts, ${r.slack.rateLimited} answered 429): ` +
      `single failures ${r.slack.byKind.failure}, digests ${r.slack.byKind.digest}` +
      `${r.slack.digestSites.length > 0 ? ` (headers: ${r.slack.digestSites.map((d) => d.header ?? "?").join(", ")} sites; parts name ${r.slack.digestSites.map((d) => d.named).join(" + ")})` : ""}, ` +
      `recoveries ${r.slack.byKind.recovery}, recovery digests ${r.slack.byKind["recovery digest"]}` +
      `${r.slack.recoveryDigestSites.length > 0 ? ` (${r.slack.recoveryDigestSites.join(" + ")} sites)` : ""}, ` +
      `other ${r.slack.byKind.other}${r.slack.other.length > 0 ? ` (${list(r.slack.other, 3)})` : ""}`,
    `  first failure delivery → last digest received: ${seconds(r.firstFailureToLastDigestSeconds, "no digest")}; ` +
      `→ every failing site named: ${seconds(r.firstFailureToAllNamedSeconds, "not all named")}; ` +
      `drain: ${r.drain.sweeps} sweeps, ${r.drain.seconds} s`,
    `  the runtime (\`functions:serve\`): peak ${r.runtime.peakRssGiB} GiB, ${r.runtime.peakThreads} threads; ` +
      `sending paused ${r.runtime.pausedSeconds} s while it held more than ` +
      `${RUNTIME_MEMORY_LIMIT_BYTES / 2 ** 30} GiB`,
  ];
  for (const c of r.checks) lines.push(`  ${c.pass ? "PASS" : "FAIL"} ${c.name}: ${c.detail}`);
  return lines;
};

/** Writes the result under bench/out/ (git-ignored) and returns the path. */
export const writeThemeUpdate = async (result: ThemeUpdateResult): Promise<string> => {
  await mkdir(OUT_DIR, { recursive: true });
  await writeFile(THEME_OUTPUT, `${JSON.stringify(result, null, 2)}\n`);
  return THEME_OUTPUT;
};
