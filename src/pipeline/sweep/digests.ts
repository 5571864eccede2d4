import type { OutboxMessage } from "../../destinations/kind.ts";
import { digestNotice, type Notice } from "../../destinations/notice.ts";
import { DEFAULT_DESTINATION } from "../../routing/routes.ts";
import { isChannel } from "../../routing/routing.ts";
import { matchSilence } from "../../silences/match-silence.ts";
import { silenceTargetOf } from "../../silences/read-silences-for.ts";
import type { Silence } from "../../silences/silence-record.ts";
import { type ControlsBlock, stormControlsBlock, withControls } from "../../slack/controls.ts";
import { digestChunks } from "../../slack/digest.ts";
import { formatNotice } from "../../slack/format-notice.ts";
import { readMany } from "../../store/read-many.ts";
import { type Enqueued, enqueue } from "../deliver.ts";
import { hash, keyPart, keys, PREFIX, timeOfKey } from "../keys.ts";
import type { PipelineDeps } from "../pipeline.ts";
import { parseDigestItem } from "../records.ts";
import { type DigestItem, digestReady } from "../storms.ts";

/** Slack app mode with a signing secret, to a channel: a failure digest can offer "Mute these sites". */
const stormControls = (deps: PipelineDeps, destination: string): boolean =>
  deps.config.actions.signingSecrets.length > 0 &&
  deps.config.routing.botToken !== null &&
  isChannel(destination);

const withStormControls = (notice: Notice, controls: ControlsBlock | null): OutboxMessage =>
  controls === null ? notice : withControls(formatNotice(notice), controls);

/**
 * Storm digests: once the oldest waiting item has waited STORM_GROUP_WAIT_SECONDS from its event's
 * arrival, one message per destination and kind (storms are per destination: each channel gets the
 * digest of its own sites), in parts of at most 40 sites. Returns what it queued, for the caller to send.
 * The listing may miss items written at that moment: they make the next sweep's digest (a straggler).
 * An item of a silenced stream is dropped (no trace): the sweep announces its episode again when the
 * silence ends, if it is still open.
 */
export const flushDigests = async (deps: PipelineDeps, silences: readonly Silence[]): Promise<Enqueued[]> => {
  const itemKeys = await deps.store.list(PREFIX.digest);
  if (itemKeys.length === 0) return [];
  const values = await readMany(deps.store, itemKeys);
  const items: Array<{ key: string; item: DigestItem }> = [];
  for (const [i, key] of itemKeys.entries()) {
    const item = values[i] === null ? null : parseDigestItem(values[i]);
    if (item && matchSilence(silences, silenceTargetOf(item.event), deps.now()) !== null) {
      await deps.store.delete(key);
    } else if (item) items.push({ key, item });
    else if (values[i] !== null) await deps.store.delete(key);
  }
  // Where a storm's digest already went out, its stragglers follow at the next sweep: the wait counts
  // from the storm's first failure, not from each straggler's (the traces keep the items' arrival times).
  const traces = await deps.store.list(PREFIX.digested);
  const window = deps.config.stormWindowSeconds * 1000;
  const ongoing = (destination: string, from: number) => {
    const prefix = `${PREFIX.digested}${keyPart(destination)}/`;
    return traces.some((trace) => trace.startsWith(prefix) && timeOfKey(trace) >= from - window);
  };
  const queued: Enqueued[] = [];
  const groups = new Map<string, Array<{ key: string; item: DigestItem }>>();
  for (const entry of items) {
    const id = `${entry.item.destination}\n${entry.item.kind}`;
    groups.set(id, [...(groups.get(id) ?? []), entry]);
  }
  for (const group of groups.values()) {
    const first = group[0];
    if (first === undefined) continue;
    const { kind, destination } = first.item;
    const waiting = group.map(({ item }) => item);
    const oldest = Math.min(...waiting.map((item) => item.at));
    const due =
      digestReady(waiting, deps.now(), deps.config.stormGroupWaitSeconds) || ongoing(destination, oldest);
    if (!due) continue;
    // Items written before routing keep the id they had; the others carry their destination.
    const where = destination === DEFAULT_DESTINATION ? "" : `:${destination}`;
    const base = `digest:${kind}${where}:${hash(group.map(({ key }) => key).join("\n"), 32)}`;
    const chunks = digestChunks(waiting);
    for (const [index, chunk] of chunks.entries()) {
      queued.push(
        await enqueue(
          {
            // One millisecond apart, so that the parts are sent in order.
            at: oldest + index,
            id: `${base}:${index}`,
            kind: chunk.length === 1 ? (kind === "failure" ? "failure" : "recovery") : "digest",
            summary: `${kind} digest: ${chunk.length} sites${chunks.length > 1 ? ` (${index + 1}/${chunks.length})` : ""}`,
            message: withStormControls(
              digestNotice(chunk, kind, { index, count: chunks.length, totalSites: group.length }),
              kind === "failure" && stormControls(deps, destination)
                ? stormControlsBlock(chunk.map((item) => item.event.site))
                : null,
            ),
            cause: null,
            destination,
          },
          deps,
        ),
      );
    }
    // The trace first, then the item: never a moment with neither (keys.ts, `digested/`).
    await Promise.all(
      group.map(async ({ key }) => {
        await deps.store.set(keys.digested(key), { v: 1, at: deps.now() });
        await deps.store.delete(key);
      }),
    );
    deps.log("info", "storm digest queued", { kind, destination, sites: group.length });
  }
  return queued;
};
