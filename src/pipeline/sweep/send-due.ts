import { readMany } from "../../store/read-many.ts";
import { deliver } from "../deliver.ts";
import { PREFIX } from "../keys.ts";
import { readiness } from "../outbox.ts";
import type { PipelineDeps } from "../pipeline.ts";
import { parseOutboxEntry } from "../records.ts";
import { RETENTION, type SweepReport } from "./retention.ts";

/** Sends every due outbox entry, oldest first, at each destination's pace, until the budget is spent. */
export const sendDue = async (
  deps: PipelineDeps,
  deadline: number,
  report: Pick<SweepReport, "sent" | "retrying" | "dead" | "deferred">,
  /** No new post starts after this (a first pass); each post started may still take until `deadline`. */
  startBy: number = deadline,
): Promise<void> => {
  const outboxKeys = await deps.store.list(PREFIX.outbox);
  const values = await readMany(deps.store, outboxKeys);
  for (const [i, key] of outboxKeys.entries()) {
    const entry = parseOutboxEntry(values[i] ?? null);
    if (!entry) continue;
    const now = deps.now();
    const state = readiness(entry, now);
    if (state === "sent") {
      if (now - (entry.sentAt ?? entry.createdAt) > RETENTION.sentMessages) await deps.store.delete(key);
      continue;
    }
    if (state === "dead") {
      if (now - entry.createdAt > RETENTION.deadMessages) await deps.store.delete(key);
      report.dead++;
      continue;
    }
    if (state !== "due") continue;
    if (now + deps.slackTimeoutMs + deps.slackIntervalMs > deadline || now > startBy) {
      report.deferred++;
      continue;
    }
    const outcome = await deliver(key, deps, { deadline });
    if (outcome.kind === "sent") report.sent++;
    else if (outcome.kind === "failed") report.dead++;
    else report.retrying++;
  }
};
