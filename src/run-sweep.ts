import { sendingBlocker } from "./config.ts";
import { VigieError } from "./errors.ts";
import { jsonResponse, toResponse } from "./http/errors.ts";
import { describeError } from "./log.ts";
import { sweep } from "./pipeline/sweep.ts";
import { createRedeliverer } from "./redelivery/redeliverer.ts";
import { loadConfig, log, pipelineDeps } from "./runtime.ts";

const SWEEP_STORE_DEADLINE_MS = 28_000;

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
    const report = await sweep(
      deps,
      config.githubRedelivery ? { redeliver: createRedeliverer(config.githubRedelivery, { log }) } : {},
    );
    return jsonResponse(200, { status: "swept", ...report });
  } catch (error) {
    log("error", "sweep failed", {
      ...(error instanceof VigieError ? { code: error.code, reason: error.message } : {}),
      ...describeError(error instanceof VigieError && error.cause ? error.cause : error),
    });
    return toResponse(error);
  }
};
