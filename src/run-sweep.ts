import { sendingBlocker } from "./config.ts";
import { VigieError } from "./errors.ts";
import { jsonResponse, toResponse } from "./http/errors.ts";
import { lazyImport } from "./lazy-import.ts";
import { describeError } from "./log.ts";
import { loadConfig, log, pipelineDeps } from "./runtime.ts";

const SWEEP_STORE_DEADLINE_MS = 28_000;
/** Octokit and the redelivery planner load only where GITHUB_TOKEN, GITHUB_ORG and GITHUB_HOOK_ID are set. */
const loadRedeliverer = lazyImport(() => import("./redelivery/redeliverer.ts"));
/**
 * The sweep itself (its steps, the pipeline, the formatting) loads at the invocation, not at import, as the
 * webhook functions load the pipeline: the function file then imports no more than theirs (BENCHMARKS.md,
 * "Import as deployed"). A scheduled function always runs its body, so this moves the load rather than
 * saving it; the bench's cold start to the first answer counts both.
 */
const loadSweep = lazyImport(() => import("./pipeline/sweep.ts"));

/** The sweep function's body: config, dependencies, the sweep, one answer. */
export const runSweep = async (
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Response> => {
  try {
    const config = loadConfig(env, log);
    // The sweep sends: with an unusable Slack URL it does nothing, and the outbox waits for the fix.
    const blocker = sendingBlocker(config);
    if (blocker) throw blocker;
    // Store calls may take until the scheduled function's own limit (30 s) nears, not a fixed 3 s: a slow
    // store then costs this sweep's time, not its work.
    const deps = pipelineDeps(config, { deadline: Date.now() + SWEEP_STORE_DEADLINE_MS });
    const redelivery = config.githubRedelivery;
    const redeliver = redelivery
      ? (await loadRedeliverer()).createRedeliverer(redelivery, { log })
      : undefined;
    const { sweep } = await loadSweep();
    const report = await sweep(deps, redeliver ? { redeliver } : {});
    return jsonResponse(200, { status: "swept", ...report });
  } catch (error) {
    log("error", "sweep failed", {
      ...(error instanceof VigieError ? { code: error.code, reason: error.message } : {}),
      ...describeError(error instanceof VigieError && error.cause ? error.cause : error),
    });
    return toResponse(error);
  }
};
