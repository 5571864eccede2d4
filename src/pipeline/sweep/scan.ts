import { boolean, literal, number, object, optional, record, string } from "zod/mini";
import { READ_WAVE, readMany } from "../../store/read-many.ts";
import { announce } from "../announce.ts";
import { waitsForRerun } from "../auto-rerun.ts";
import type { StreamState, Transition } from "../episodes.ts";
import { hash, keys, PREFIX } from "../keys.ts";
import type { PipelineDeps } from "../pipeline.ts";
import { parseAnyStream } from "../records.ts";
import { announceRecovery } from "../recovery.ts";

/**
 * The sweep's scan of the streams (docs/architecture.md, "The sweep"): it lists `streams/` with their etags
 * and reads only the records that changed since its last run (`status/scan`), so an idle minute costs one
 * listing. For each changed stream it
 * - finishes what an invocation left undone: an opening or a recovery older than REPAIR_AFTER_MS is
 *   announced again (idempotent: an outbox entry or digest item already there is left as it is);
 * - counts each new opening and closing once, by its number, for the board's history;
 * - keeps the `open/` index (the board's list) and, in its own record, what reminders need.
 * A listing that ends early (the local Blobs server's, when it races a write) only delays a stream to the
 * next scan: no decision rests on it.
 */
export const REPAIR_AFTER_MS = 30_000;
/** Older transitions are not announced again (their messages, sent or dead, have been pruned). */
const REPAIR_WITHIN_MS = 3_600_000;
/** Records read per scan; the rest wait for the next minute. */
export const MAX_SCAN_READS = 300;

const openSchema = object({
  stream: string(),
  episodeId: string(),
  receivedAt: number(),
  remindedAt: number(),
  announced: boolean(),
  openedAt: number(),
  site: string(),
  source: string(),
  branch: string(),
  workflow: string(),
  logsUrl: string(),
  waitsForRerunSince: optional(number()),
});
/** An open episode as the scan keeps it (reminders, the history's broken time). */
export interface OpenEpisode {
  readonly stream: string;
  readonly episodeId: string;
  readonly receivedAt: number;
  readonly remindedAt: number;
  /** Told to someone (alone or in a digest): not folded, not muted. */
  readonly announced: boolean;
  readonly openedAt: number;
  readonly site: string;
  readonly source: string;
  readonly branch: string;
  readonly workflow: string;
  readonly logsUrl: string;
  /** Re-run automatically at this time, and nobody told yet (src/pipeline/auto-rerun.ts). */
  readonly waitsForRerunSince?: number | undefined;
}

const scanSchema = object({
  v: literal(1),
  at: number(),
  /**
   * Per stream key hash: its etag's hash when last read ("" to read it again), the number of its last
   * counted transition, and of the last one whose messages were checked.
   */
  streams: record(string(), object({ e: string(), q: number(), v: optional(number()) })),
  open: record(string(), openSchema),
});
interface ScanState {
  at: number;
  streams: Record<string, { e: string; q: number; v?: number | undefined }>;
  open: Record<string, OpenEpisode>;
}
const parseScan = (value: unknown): ScanState => {
  const parsed = scanSchema.safeParse(value);
  return parsed.success ? parsed.data : { at: 0, streams: {}, open: {} };
};

export interface ScanResult {
  readonly read: number;
  readonly repaired: number;
  /** Openings and closings seen for the first time, oldest first. */
  readonly transitions: readonly Transition[];
  /** Every open episode the scan knows of. */
  readonly open: readonly OpenEpisode[];
  /** When the scan before this one ran (0 the first time). */
  readonly since: number;
}

const summarise = (state: StreamState, previous: OpenEpisode | undefined): OpenEpisode | null => {
  const { episode } = state;
  if (!episode) return null;
  const openedAt = Date.parse(episode.openedAt);
  return {
    stream: state.stream,
    episodeId: episode.id,
    receivedAt: episode.receivedAt,
    remindedAt: Math.max(episode.remindedAt, previous?.episodeId === episode.id ? previous.remindedAt : 0),
    announced: episode.delivery !== "folded" && episode.delivery !== "muted",
    openedAt: Number.isFinite(openedAt) ? openedAt : episode.receivedAt,
    site: episode.first.site,
    source: episode.first.source,
    branch: episode.first.branch ?? "",
    workflow: episode.first.workflow,
    logsUrl: episode.first.logsUrl,
    ...(episode.autoRerun && waitsForRerun(episode) ? { waitsForRerunSince: episode.autoRerun.at } : {}),
  };
};

/** When the newest transition's event arrived, if the record says. */
const arrivalOf = (state: StreamState, latest: Transition): number | null => {
  if (latest.kind === "open") return state.episode?.id === latest.episodeId ? state.episode.receivedAt : null;
  return state.lastClosed?.episodeId === latest.episodeId ? (state.lastClosed.receivedAt ?? null) : null;
};

/**
 * The newest transition's messages, once more (each step finds what an earlier attempt wrote). False when
 * another invocation still holds a send (its ledger lease): the stream is looked at again next time.
 */
const repair = async (
  state: StreamState,
  latest: Transition,
  deps: PipelineDeps,
  deadline: number,
): Promise<boolean> => {
  if (latest.kind === "open" && state.episode) {
    return (await announce(state, deps, deadline, { fresh: false })).held !== true;
  }
  const closed = state.lastClosed;
  if (latest.kind === "close" && closed?.episode && closed.event && closed.receivedAt !== undefined) {
    await announceRecovery(
      { episode: closed.episode, event: closed.event, at: closed.receivedAt },
      deps,
      deadline,
      {},
    );
  }
  return true;
};

export const scanStreams = async (deps: PipelineDeps, deadline: number): Promise<ScanResult> => {
  const now = deps.now();
  const scan = parseScan(await deps.store.read(keys.scan));
  const listed = deps.store.listVersions
    ? await deps.store.listVersions(PREFIX.streams)
    : (await deps.store.list(PREFIX.streams)).map((key) => ({ key, etag: "" }));
  const changed = listed
    .filter(({ key, etag }) => etag === "" || scan.streams[hash(key)]?.e !== hash(etag))
    .slice(0, MAX_SCAN_READS);
  const values = await readMany(
    deps.store,
    changed.map(({ key }) => key),
  );
  const transitions: Transition[] = [];
  let repaired = 0;
  /** One changed stream: its open index, then what its newest transition still needs. */
  const visit = async (key: string, etag: string, value: unknown): Promise<void> => {
    const state = parseAnyStream(value);
    const id = hash(key);
    if (!state) {
      // Gone (pruned) or unreadable: nothing to count or announce.
      delete scan.streams[id];
      return;
    }
    const before = scan.open[state.stream];
    const open = summarise(state, before);
    if (open) {
      if (before?.episodeId !== open.episodeId) {
        await deps.store.set(keys.open(state.stream), {
          v: 1,
          stream: state.stream,
          episodeId: open.episodeId,
        });
      }
      scan.open[state.stream] = open;
    } else if (before) {
      await deps.store.delete(keys.open(state.stream));
      delete scan.open[state.stream];
    }
    const seen = scan.streams[id];
    const counted = seen?.q ?? 0;
    // Counted at once, for the history: each transition once, by its number.
    transitions.push(...(state.transitions ?? []).filter((t) => t.seq > counted));
    const latest = state.transitions?.at(-1);
    const q = Math.max(counted, latest?.seq ?? 0);
    const checked = seen?.v ?? 0;
    const arrival = latest && latest.seq > checked ? arrivalOf(state, latest) : null;
    if (latest && arrival !== null && now - arrival < REPAIR_WITHIN_MS) {
      // Too fresh (its own invocation is on it), or past the scan's deadline: read again next time.
      if (now - arrival < REPAIR_AFTER_MS || deps.now() >= deadline) {
        scan.streams[id] = { e: "", q, v: checked };
        return;
      }
      if (!(await repair(state, latest, deps, deadline))) {
        scan.streams[id] = { e: "", q, v: checked };
        return;
      }
      repaired++;
    }
    scan.streams[id] = { e: hash(etag), q, v: latest?.seq ?? checked };
  };
  // In waves, as the reads: on a slow store, one stream at a time would spend the sweep's budget.
  for (let i = 0; i < changed.length; i += READ_WAVE) {
    await Promise.all(
      changed.slice(i, i + READ_WAVE).map(({ key, etag }, j) => visit(key, etag, values[i + j] ?? null)),
    );
  }
  await deps.store.set(keys.scan, { v: 1, at: now, streams: scan.streams, open: scan.open });
  transitions.sort((a, b) => a.at - b.at);
  return { read: changed.length, repaired, transitions, open: Object.values(scan.open), since: scan.at };
};
