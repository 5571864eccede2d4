import { isActive } from "../silences/match-silence.ts";
import type { Silence } from "../silences/silence-record.ts";
import { listSilences } from "../silences/silence-store.ts";
import { type Ack, listAcks } from "../slack-actions/ack-record.ts";
import type { Store } from "../store/store.ts";

/**
 * What the board and `GET /status` (JSON) show of the controls (docs/architecture.md, "Acting from
 * Slack"): the active silences and who is on which episode. Bounded like the rest of the report.
 */
export interface ActionsReport {
  readonly silences: ReadonlyArray<Silence & { readonly active: true }>;
  readonly acks: readonly Ack[];
}

const MAX_LISTED = 200;

export const readSilencesAndAcks = async (store: Store, now: number): Promise<ActionsReport> => {
  const [silences, acks] = await Promise.all([listSilences(store), listAcks(store)]);
  return {
    silences: silences
      .filter((silence) => isActive(silence, now))
      .slice(0, MAX_LISTED)
      .map((silence) => ({ ...silence, active: true as const })),
    acks: acks.sort((a, b) => b.at - a.at).slice(0, MAX_LISTED),
  };
};
