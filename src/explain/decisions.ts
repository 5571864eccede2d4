import { utcMinute } from "../text/utc-minute.ts";
import type { ExplainedRun, ExplainedStream, Explanation } from "./explanation.ts";

/**
 * `npm run explain`'s text, from an Explanation (pure: the same data, the same lines). Each run gets one
 * decision, named as the board and the docs name them: ignored (and why), counted, folded, digested,
 * silenced, muted, sent, waiting, dead, duplicate.
 */
export type Decision =
  | "sent"
  | "printed"
  | "waiting"
  | "dead"
  | "digested"
  | "folded"
  | "silenced"
  | "muted"
  | "counted"
  | "ignored"
  | "duplicate"
  | "processing"
  | "unknown";

const when = utcMinute;
const isoWhen = (iso: string): string => {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? when(ms) : iso;
};

const messagesText = (run: ExplainedRun): string =>
  run.messages
    .map((m) => `${m.kind} to ${m.destination}, ${m.attempts} attempt${m.attempts === 1 ? "" : "s"}`)
    .join("; ");

export const decisionOf = (run: ExplainedRun): { decision: Decision; detail: string } => {
  const dead = run.messages.filter((m) => m.state === "dead");
  if (dead.length > 0 || run.status === "failed") {
    const reason = dead[0]?.lastError ?? run.reason;
    return {
      decision: "dead",
      detail: `${reason}; once the destination is fixed: npm run outbox -- resend --dead`,
    };
  }
  const waiting = run.messages.filter((m) => m.state === "pending" || m.state === "sending");
  if (waiting.length > 0) {
    const next = waiting.map((m) => m.nextAttemptAt).find((at) => at !== null);
    const error = waiting.find((m) => m.lastError !== null)?.lastError;
    return {
      decision: "waiting",
      detail: `${messagesText(run)}${error ? `; last error: ${error}` : ""}${next ? `; next try ${when(next)}` : ""}`,
    };
  }
  if (run.messages.length > 0 || run.status === "notified") {
    return /dry run/.test(run.reason)
      ? { decision: "printed", detail: "dry run: printed to the log, not sent" }
      : { decision: "sent", detail: messagesText(run) || run.reason };
  }
  const reason = run.reason;
  switch (run.status) {
    case "queued":
      return /digest/.test(reason)
        ? { decision: "digested", detail: `${reason} (one message for many sites)` }
        : { decision: "waiting", detail: reason };
    case "suppressed":
      if (/^folded/.test(reason)) return { decision: "folded", detail: reason };
      if (/^muted/.test(reason)) return { decision: "muted", detail: reason };
      if (/silence/i.test(reason)) return { decision: "silenced", detail: reason };
      return { decision: "counted", detail: `${reason} (the episode was announced already)` };
    case "ignored":
      return { decision: "ignored", detail: reason };
    case "duplicate":
      return { decision: "duplicate", detail: reason };
    case "accepted":
      return { decision: "processing", detail: reason };
    default:
      return { decision: "unknown", detail: reason };
  }
};

const routeLine = (stream: ExplainedStream, dryRun: boolean): string => {
  const { destinations, rule } = stream.route;
  const by = rule === null ? "no ROUTES rule matched" : `ROUTES rule ${rule}`;
  if (destinations.length === 0) return `  route now: muted, nothing is sent (${by})`;
  const dry = dryRun && destinations.includes("default") ? "; default is a DRY RUN: printed, not sent" : "";
  return `  route now: ${destinations.join(", ")} (${by})${dry}`;
};

const episodeLine = (stream: ExplainedStream): string => {
  const episode = stream.episode;
  if (episode === null)
    return stream.lastClosedAt === null
      ? "  no open episode"
      : `  no open episode (the last one closed with a run of ${isoWhen(stream.lastClosedAt)})`;
  const how: Record<string, string> = {
    message: `announced to ${episode.destinations.join(", ") || "default"}`,
    digest: `announced in a storm digest to ${episode.destinations.join(", ") || "default"}`,
    folded: `folded: its commit was announced by ${episode.foldedInto ?? "another source"}`,
    muted: "muted by ROUTES: never announced",
    pending: "being announced",
  };
  return `  episode: open since ${isoWhen(episode.openedAt)}, ${episode.failedRuns} failed run${episode.failedRuns === 1 ? "" : "s"}, ${how[episode.delivery] ?? episode.delivery}${episode.reminders > 0 ? `, ${episode.reminders} reminder${episode.reminders === 1 ? "" : "s"}` : ""}`;
};

/** The longest decision, "processing". */
const WIDTH = 10;

export const renderExplanation = (explanation: Explanation): string[] => {
  const { site, streams, policy } = explanation;
  const lines: string[] = [];
  if (streams.length === 0) {
    lines.push(
      `No stored state for ${site}: vigie never acted on a run of it.`,
      "  Either no delivery arrived (npm run doctor checks the hooks), or each was ignored before anything was stored:",
      `  BRANCHES ${policy.branches === null ? "is unset (every branch)" : `is ${policy.branches.join(", ")}`}; failures are ${policy.conclusions.join(", ")}.`,
      "  A success with no open episode, a cancelled or skipped run, and a deploy that is not a failure leave no trace either.",
    );
    if (explanation.truncated)
      lines.push("  (more state than explain reads at once: try the site's full name or id)");
    return lines;
  }
  for (const stream of streams) {
    const where = [
      stream.source,
      stream.branch && `branch ${stream.branch}`,
      stream.workflow && `workflow ${stream.workflow}`,
    ]
      .filter(Boolean)
      .join(", ");
    lines.push(
      `${stream.site} (${where})`,
      `  stream ${stream.stream}`,
      episodeLine(stream),
      routeLine(stream, policy.dryRun),
    );
    if (stream.runs.length === 0) lines.push("  no run recorded");
    else lines.push(`  last ${stream.runs.length} run${stream.runs.length === 1 ? "" : "s"}, newest first:`);
    for (const run of stream.runs) {
      const { decision, detail } = decisionOf(run);
      lines.push(
        `    ${run.at === null ? "(no record)".padEnd(20) : when(run.at)}  ${decision.padEnd(WIDTH)}  ${detail}  [${run.key}]`,
      );
    }
    lines.push("");
  }
  if (explanation.truncated)
    lines.push("(more state than explain reads at once: some streams may be missing)");
  return lines;
};
