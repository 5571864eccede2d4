import type { FailureEvent } from "../event.ts";
import { type AutoRerunDecision, decideAutoRerun } from "../rerun/auto-rerun-budget.ts";
import { parseRerunBudget, pendingRerunOf, RERUN_BUDGET_KEY } from "../rerun/pending-rerun.ts";
import { RERUN_TIMEOUT_MS, rerun } from "../rerun/rerun.ts";
import { rerunTargetOf } from "../rerun/rerun-target.ts";
import { conditionalUpdate, type Decision } from "../store/conditional-update.ts";
import type { AutoRerunMark, Episode, StreamState } from "./episodes.ts";
import { keys } from "./keys.ts";
import type { PipelineDeps } from "./pipeline.ts";
import { parseStream } from "./records.ts";

/**
 * AUTO_RERUN before an opening is announced (docs/architecture.md, "Automatic re-runs"): a failure that
 * matches a rule, within the hour's budget (`reruns/budget`, one conditional write), is re-run once through
 * its provider's API and nobody is told; its episode is marked (`autoRerun`) in its stream record first, so
 * that the re-run's result, however fast, finds the mark: a success closes it silently ("passed on
 * re-run"), a failure announces it, saying it failed again (src/pipeline/accept.ts). A refused re-run is
 * announced at once. Without rules, nothing is read.
 */
export type AutoRerunGate =
  /** Announce now; `note`: the rule of the automatic re-run that failed too. */
  | { readonly kind: "announce"; readonly note: number | null }
  | { readonly kind: "wait"; readonly reason: string };

const NOW: AutoRerunGate = { kind: "announce", note: null };
/** Time kept after the provider's answer, for the announcement of a refused re-run. */
const ANNOUNCE_MARGIN_MS = 2_000;

/** Whether the episode waits for the result of its automatic re-run (nobody has been told yet). */
export const waitsForRerun = (episode: Episode): boolean =>
  episode.autoRerun !== undefined &&
  episode.autoRerun.failedAgain !== true &&
  episode.autoRerun.refused !== true;

export const autoRerunGate = async (
  state: StreamState,
  deps: PipelineDeps,
  deadline: number,
  /** The failure with what failed (its jobs and steps, which `step:` and `job:` rules match), looked up. */
  detailed: () => Promise<FailureEvent>,
): Promise<AutoRerunGate> => {
  const episode = state.episode;
  if (!episode) return NOW;
  const mark = episode.autoRerun;
  if (mark) {
    if (waitsForRerun(episode)) return { kind: "wait", reason: waiting(mark.rule) };
    return { kind: "announce", note: mark.failedAgain ? mark.rule : null };
  }
  const { autoRerun: rules, autoRerunMaxPerHour: maxPerHour, rerun: credentials } = deps.config.actions;
  if (rules.length === 0) return NOW;
  const event = await detailed();
  const input = { rules, event, alreadyRerun: false, maxPerHour };
  // What needs no store first (no rule, no match, not production): the usual case costs nothing.
  if (decideAutoRerun({ ...input, recent: [], now: deps.now() }).kind === "announce") return NOW;
  const now = deps.now();
  const budget = await conditionalUpdate(
    deps.store,
    RERUN_BUDGET_KEY,
    parseRerunBudget,
    (recent): Decision<AutoRerunDecision> => {
      const decision = decideAutoRerun({ ...input, recent, now });
      return decision.kind === "rerun"
        ? { write: true, next: { v: 1, recent: decision.recent }, value: decision }
        : { write: false, value: decision };
    },
    { sleep: deps.sleep },
  );
  if (budget.kind !== "done" || budget.value.kind !== "rerun") {
    const reason =
      budget.kind === "done" && budget.value.kind === "announce" ? budget.value.reason : "budget contended";
    deps.log("info", "auto re-run skipped: announced at once", { key: episode.openedBy, reason });
    return NOW;
  }
  const rule = budget.value.rule.number;
  const target = rerunTargetOf(event);
  const pending = pendingRerunOf(state.stream, episode.openedBy, rule, target, event, now);
  const marked: AutoRerunMark = {
    rule,
    at: now,
    key: pending.key,
    runId: pending.runId,
    attempt: pending.attempt,
  };
  if (!(await setMark(state.stream, episode.id, marked, deps))) return NOW;
  const timeoutMs = Math.max(
    1_000,
    Math.min(RERUN_TIMEOUT_MS, deadline - deps.now() - deps.slackTimeoutMs - ANNOUNCE_MARGIN_MS),
  );
  const answer = await rerun(target, credentials, { ...deps.rerun, timeoutMs });
  deps.log("info", "auto re-run", { key: episode.openedBy, rule, outcome: answer.kind, reason: answer.text });
  if (answer.kind === "accepted") return { kind: "wait", reason: waiting(rule) };
  await setMark(state.stream, episode.id, { ...marked, refused: true }, deps);
  return NOW;
};

/** How long an automatic re-run's result may take before its failure is announced without it. */
export const RERUN_WAIT_MS = 45 * 60_000;

/**
 * The sweep's: an episode whose re-run never reported back within RERUN_WAIT_MS is marked as if refused,
 * so that its announcement (by the caller) goes out. False when it no longer waits.
 */
export const stopWaiting = async (stream: string, episode: Episode, deps: PipelineDeps): Promise<boolean> =>
  episode.autoRerun !== undefined && waitsForRerun(episode)
    ? setMark(stream, episode.id, { ...episode.autoRerun, refused: true }, deps)
    : false;

const waiting = (rule: number) =>
  `re-run automatically (AUTO_RERUN rule ${rule}): announced only if it fails again`;

/** The open episode's mark, in one conditional write; false when the episode is no longer open. */
const setMark = async (stream: string, episodeId: string, mark: AutoRerunMark, deps: PipelineDeps) => {
  const outcome = await conditionalUpdate(
    deps.store,
    keys.stream(stream),
    (value) => parseStream(value, stream),
    (state): Decision<boolean> => {
      const open = state?.episode;
      if (!state || open?.id !== episodeId) return { write: false, value: false };
      return { write: true, next: { ...state, episode: { ...open, autoRerun: mark } }, value: true };
    },
    { sleep: deps.sleep },
  );
  return outcome.kind === "done" && outcome.value;
};
