import type { DeliverOutcome } from "./deliver.ts";
import type { ResultStatus } from "./records.ts";

/** What a delivery came to. The HTTP layer decides the status code (src/http/handle-webhook.ts). */
export interface Result {
  readonly status: ResultStatus;
  readonly reason: string;
  readonly key?: string;
  readonly stream?: string;
  /** Another invocation holds the send of one of its messages: whoever repairs must look again later. */
  readonly held?: true;
}

export const result = (status: ResultStatus, reason: string, key?: string, stream?: string): Result => ({
  status,
  reason,
  ...(key === undefined ? {} : { key }),
  ...(stream === undefined ? {} : { stream }),
});

export const runs = (n: number): string => (n === 1 ? "1 failed run" : `${n} failed runs`);

/**
 * The outcomes of one event's messages to several destinations, as one: sent when all were, failed when
 * one was refused (its reason first), queued otherwise.
 */
export const combine = (outcomes: readonly DeliverOutcome[]): DeliverOutcome => {
  const failed = outcomes.filter((o) => o.kind === "failed");
  const queued = outcomes.filter((o) => o.kind === "queued");
  const also = (n: number) => (outcomes.length > 1 ? ` (${n} of ${outcomes.length} destinations)` : "");
  if (failed.length > 0) return { kind: "failed", reason: `${failed[0]?.reason}${also(failed.length)}` };
  if (queued.length > 0) {
    const reason = `${queued[0]?.reason}${also(queued.length)}`;
    return queued.some((o) => o.held) ? { kind: "queued", reason, held: true } : { kind: "queued", reason };
  }
  return { kind: "sent", dryRun: outcomes.some((o) => o.kind === "sent" && o.dryRun) };
};

/** A processed event's result once its messages were tried. */
export const fromDelivery = (outcome: DeliverOutcome, processed: Result): Result => {
  const { reason: what, key, stream } = processed;
  switch (outcome.kind) {
    case "sent":
      return result("notified", outcome.dryRun ? `${what} (dry run: printed to the log)` : what, key, stream);
    case "queued": {
      const queued = result(
        "queued",
        `${what}; message queued, the sweep will send it (${outcome.reason})`,
        key,
        stream,
      );
      return outcome.held ? { ...queued, held: true } : queued;
    }
    case "failed":
      return result("failed", `${what}; Slack refused the message: ${outcome.reason}`, key, stream);
  }
};
