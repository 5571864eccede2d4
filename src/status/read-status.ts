import type { Config } from "../config.ts";
import { keys, PREFIX } from "../pipeline/keys.ts";
import { isOutboxEntry } from "../pipeline/outbox.ts";
import { asStream } from "../pipeline/pipeline.ts";
import type { Store } from "../store/store.ts";

/**
 * What `GET /status` reports: whether the configuration is sound (variable names only, never a value),
 * the outbox's waiting and dead messages, the open episodes, and when the sweep last ran. Reads are
 * bounded: beyond the limits the counts of keys stay exact, and `truncated` says what was not read.
 */
export interface StatusReport {
  readonly config: { readonly valid: boolean; readonly problems: readonly string[] };
  readonly outbox: {
    /** Messages not sent yet (pending or being sent), among those read. */
    readonly waiting: number;
    readonly dead: number;
    /** Every outbox key, sent ones included (kept a day). */
    readonly total: number;
    readonly truncated: boolean;
  };
  readonly episodes: {
    readonly open: number;
    readonly list: ReadonlyArray<{
      readonly stream: string;
      readonly site: string;
      readonly source: string;
      readonly branch: string | null;
      readonly since: string;
      readonly failedRuns: number;
    }>;
    readonly truncated: boolean;
  };
  readonly sweep: { readonly lastRunAt: string | null };
}

/** Bounds: a status read must answer within a function's time even with thousands of keys. */
export const MAX_OUTBOX_READS = 300;
export const MAX_EPISODES_LISTED = 100;
const PARALLEL_READS = 20;

/** The sweep's record of its last run (`keys.sweepStatus`), written at the end of each sweep. */
const lastSweep = (value: unknown): string | null => {
  const at = (value as { at?: unknown } | null)?.at;
  return typeof at === "number" && Number.isFinite(at) ? new Date(at).toISOString() : null;
};

const readAll = async <T>(keysToRead: readonly string[], read: (key: string) => Promise<T>): Promise<T[]> => {
  const results: T[] = [];
  for (let i = 0; i < keysToRead.length; i += PARALLEL_READS) {
    results.push(...(await Promise.all(keysToRead.slice(i, i + PARALLEL_READS).map(read))));
  }
  return results;
};

export const readStatus = async (store: Store, config: Config): Promise<StatusReport> => {
  const [outboxKeys, openKeys, sweepEntry] = await Promise.all([
    store.list(PREFIX.outbox),
    store.list(PREFIX.open),
    store.get(keys.sweepStatus),
  ]);
  // Outbox keys sort by time: the newest are read when there are too many.
  const outboxRead = outboxKeys.slice(-MAX_OUTBOX_READS);
  const entries = await readAll(outboxRead, async (key) => await store.read(key));
  const states = entries.filter(isOutboxEntry).map((entry) => entry.state);

  const openRead = openKeys.slice(0, MAX_EPISODES_LISTED);
  const streams = await readAll(openRead, async (key) => {
    const stream = ((await store.read(key)) as { stream?: unknown } | undefined)?.stream;
    if (typeof stream !== "string") return null;
    const state = asStream(await store.read(keys.stream(stream)), stream);
    return state.episode ? { stream, episode: state.episode } : null;
  });

  return {
    config: {
      valid: config.problems.length === 0,
      problems: [...new Set(config.problems.map((problem) => problem.variable))],
    },
    outbox: {
      waiting: states.filter((state) => state === "pending" || state === "sending").length,
      dead: states.filter((state) => state === "dead").length,
      total: outboxKeys.length,
      truncated: outboxKeys.length > outboxRead.length,
    },
    episodes: {
      open: openKeys.length,
      list: streams
        .filter((item) => item !== null)
        .map(({ stream, episode }) => ({
          stream,
          site: episode.first.site,
          source: episode.first.source,
          branch: episode.first.branch,
          since: episode.openedAt,
          failedRuns: episode.failedRuns,
        })),
      truncated: openKeys.length > openRead.length,
    },
    sweep: { lastRunAt: lastSweep(sweepEntry?.value) },
  };
};
