import type { RunEvent } from "../event.ts";
import { streamKey } from "../event.ts";
import type { Store } from "../store/store.ts";
import { isActive, type SilenceTarget } from "./match-silence.ts";
import type { Silence } from "./silence-record.ts";
import { listSilences } from "./silence-store.ts";

/** What a silence is matched against, for one run (docs/architecture.md, "Silences"). */
export const silenceTargetOf = (event: RunEvent): SilenceTarget => ({
  site: event.site,
  branch: event.branch,
  source: event.source,
  stream: streamKey(event),
});

/**
 * The silences in force at `now`: one listing, then one read per silence (none when there is no silence,
 * the usual case). For the pipeline (before it announces) and the sweep (reminders, digests, endings).
 */
export const readActiveSilences = async (store: Store, now: number): Promise<Silence[]> =>
  (await listSilences(store)).filter((silence) => isActive(silence, now));
