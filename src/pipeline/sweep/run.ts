import { StoreUnavailableError } from "../../errors.ts";
import { recordHistory } from "../../history/record-history.ts";
import { describeError } from "../../log.ts";
import { readSilenceIndex } from "../../silences/silence-index.ts";
import type { Silence } from "../../silences/silence-record.ts";
import { conditionalUpdate, type Decision } from "../../store/conditional-update.ts";
import { deliver } from "../deliver.ts";
import { keys } from "../keys.ts";
import type { PipelineDeps } from "../pipeline.ts";
import { parseLease } from "../records.ts";
import { flushDigests } from "./digests.ts";
import { recordFlakyCounts } from "./flaky-counts.ts";
import { prune } from "./prune.ts";
import { queueReminders } from "./reminders.ts";
import { announceStaleReruns } from "./rerun-timeouts.ts";
import type { SweepReport } from "./retention.ts";
import { type ScanResult, scanStreams } from "./scan.ts";
import { sendDue } from "./send-due.ts";
import { endSilences } from "./silence-ends.ts";

/**
 * The sweep, run every minute by Netlify's scheduler (locally: POST /.netlify/functions/sweep), is the
 * safety net under every delivery (docs/architecture.md, "The sweep"). Its steps, in order: scan the
 * streams (finish what an invocation left undone, keep the open index), flush storm digests, queue
 * reminders, record the board's history, send what is due in the outbox (≈1 message/s per destination),
 * prune, and redeliver GitHub's failed deliveries when configured. One sweep at a time, through a lease;
 * but the digests have a lease of their own, so that a sweep still pacing the outbox never holds back a
 * digest that is due: the next sweep flushes and sends it. A step that fails is logged and the next one
 * runs: only an unreachable store ends a sweep early.
 */

/** Scheduled functions may run 30 s (https://docs.netlify.com/build/functions/scheduled-functions/). */
export const SWEEP_BUDGET_MS = 25_000;
const SWEEP_LEASE_MS = 55_000;
const DIGEST_LEASE_MS = 20_000;
/** How long the scan may spend announcing again what invocations left undone, per sweep. */
const SCAN_REPAIR_MS = 8_000;
/** The outbox's first pass, before the scan: what was due when the sweep began. */
const FIRST_OUTBOX_MS = 10_000;

export interface SweepOptions {
  /** Extra step, e.g. asking GitHub to redeliver failed deliveries. Returns how many it redelivered. */
  readonly redeliver?: (deps: PipelineDeps, deadline: number) => Promise<number>;
}

/** A lease on `key` for `ms`, or null while another holder's lasts (a few conditional attempts). */
const acquire = async (deps: PipelineDeps, key: string, ms: number): Promise<{ etag: string } | null> => {
  let etag: string | null = null;
  const taken = await conditionalUpdate(
    deps.store,
    key,
    parseLease,
    (lease): Decision<boolean> =>
      lease.until > deps.now()
        ? { write: false, value: false }
        : { write: true, next: { v: 1, until: deps.now() + ms }, value: true },
    { attempts: 5, sleep: deps.sleep, onWritten: (written) => (etag = written) },
  );
  return taken.kind === "done" && taken.value && etag !== null ? { etag } : null;
};

const release = async (deps: PipelineDeps, key: string, lease: { etag: string }): Promise<void> => {
  await deps.store.set(key, { v: 1, until: 0 }, { onlyIfMatch: lease.etag }).catch(() => undefined);
};

/** The digests that are due, under their own lease, sent at once (each destination's pace holds). */
const digestsStep = async (
  deps: PipelineDeps,
  deadline: number,
  silences: readonly Silence[],
): Promise<Partial<SweepReport>> => {
  const lease = await acquire(deps, keys.digestLock, DIGEST_LEASE_MS);
  if (!lease) return { digests: 0 };
  try {
    const queued = await flushDigests(deps, silences);
    const sent = await Promise.all(queued.map((entry) => deliver(entry, deps, { deadline })));
    return { digests: queued.length, sent: sent.filter((o) => o.kind === "sent").length };
  } finally {
    await release(deps, keys.digestLock, lease);
  }
};

interface SweepStep {
  readonly name: string;
  readonly run: (
    deps: PipelineDeps,
    deadline: number,
    scan: ScanResult | null,
    silences: readonly Silence[],
  ) => Promise<Partial<SweepReport>>;
}

const STEPS: readonly SweepStep[] = [
  // Before the reminders: an episode announced now that its silence ended is not reminded of at once.
  {
    name: "silences",
    run: async (deps, deadline, scan, silences) => {
      await endSilences(deps, silences, scan?.open ?? [], deadline);
      return {};
    },
  },
  {
    name: "reruns",
    run: async (deps, deadline, scan) => {
      await announceStaleReruns(deps, scan?.open ?? [], deadline);
      return {};
    },
  },
  {
    name: "reminders",
    run: async (deps, _deadline, scan, silences) => ({
      reminders: await queueReminders(deps, scan?.open ?? [], silences),
    }),
  },
  {
    name: "flaky",
    run: async (deps, _deadline, scan) => {
      if (scan) await recordFlakyCounts(deps.store, scan.transitions, deps.now());
      return {};
    },
  },
  // Before the outbox, which may spend the rest of the budget: the board's history (src/history/).
  {
    name: "history",
    run: async (deps, _deadline, scan) => (scan ? { history: await recordHistory(deps, scan) } : {}),
  },
  {
    name: "outbox",
    run: async (deps, deadline) => {
      const part = { sent: 0, retrying: 0, dead: 0, deferred: 0 };
      await sendDue(deps, deadline, part);
      return part;
    },
  },
  { name: "prune", run: async (deps, deadline) => ({ pruned: await prune(deps, deadline) }) },
];

/**
 * One step, its failure logged: one failing step must not starve the others (a broken digest must not stop
 * retries); only an unreachable store, which every later step would meet too, ends the sweep (503).
 */
const runStep = async (
  name: string,
  run: () => Promise<Partial<SweepReport>>,
  deps: PipelineDeps,
): Promise<Partial<SweepReport>> => {
  try {
    return await run();
  } catch (error) {
    deps.log("error", "sweep step failed", { step: name, ...describeError(error) });
    if (error instanceof StoreUnavailableError) throw error;
    return {};
  }
};

const emptyReport = (): SweepReport => ({
  recovered: 0,
  digests: 0,
  reminders: 0,
  sent: 0,
  retrying: 0,
  dead: 0,
  deferred: 0,
  pruned: 0,
  redelivered: 0,
});

const add = (report: SweepReport, part: Partial<SweepReport>) => {
  const { sent, ...rest } = part;
  Object.assign(report, rest);
  if (sent !== undefined) report.sent += sent;
};

export const sweep = async (deps: PipelineDeps, options: SweepOptions = {}): Promise<SweepReport> => {
  const report = emptyReport();
  const deadline = deps.now() + SWEEP_BUDGET_MS;
  // Read once for the digests, the silences that ended and the reminders (src/silences/silence-index.ts).
  const silences = await readSilenceIndex(deps.store);
  const lease = await acquire(deps, keys.sweepLock, SWEEP_LEASE_MS);
  if (!lease) {
    // Another sweep is still pacing the outbox: the digests that are due do not wait for it.
    add(report, await digestsStep(deps, deadline, silences));
    const skipped = { ...report, skipped: "another sweep is running" };
    deps.log("info", "sweep", { ...skipped });
    return skipped;
  }
  const steps: SweepStep[] = [...STEPS];
  const { redeliver } = options;
  if (redeliver)
    steps.push({ name: "redeliver", run: async (d, at) => ({ redelivered: await redeliver(d, at) }) });
  try {
    // Due digests first: they wait for nothing the other steps do. Then what is due in the outbox, for a
    // slice of the budget: on a slow store the scan and the steps after it must not leave it no time.
    add(report, await runStep("digests", () => digestsStep(deps, deadline, silences), deps));
    const firstOutbox = { sent: 0, retrying: 0, dead: 0, deferred: 0 };
    await runStep(
      "outbox",
      async () => {
        await sendDue(deps, deadline, firstOutbox, deps.now() + FIRST_OUTBOX_MS);
        return {};
      },
      deps,
    );
    let scan: ScanResult | null = null;
    await runStep(
      "scan",
      async () => {
        // Repairs get a slice of the budget: the outbox after them must keep its time.
        scan = await scanStreams(deps, Math.min(deadline, deps.now() + SCAN_REPAIR_MS));
        return { recovered: scan.repaired };
      },
      deps,
    ).then((part) => add(report, part));
    for (const step of steps) {
      const scanned: ScanResult | null = scan;
      add(report, await runStep(step.name, () => step.run(deps, deadline, scanned, silences), deps));
    }
    // The first pass's figures join the second's (what the steps between queued, and what was left).
    report.sent += firstOutbox.sent;
    report.dead = Math.max(report.dead, firstOutbox.dead);
  } finally {
    await release(deps, keys.sweepLock, lease);
  }
  deps.log("info", "sweep", { ...report });
  await deps.store.set(keys.sweepStatus, { v: 1, at: deps.now(), report }).catch(() => undefined); // GET /status
  return report;
};
