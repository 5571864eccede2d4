import { HttpError, jsonResponse, toResponse } from "./http/errors.ts";
import { describeError } from "./log.ts";
import { sweep } from "./pipeline/sweep.ts";
import { loadConfig, log, pipelineDeps } from "./runtime.ts";
import { createRedeliverer } from "./sources/github/redeliver.ts";

/** The sweep function's body: config, dependencies, the sweep, one answer. */
export const runSweep = async (
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Response> => {
  try {
    const config = loadConfig(env);
    const deps = pipelineDeps(config);
    const report = await sweep(
      deps,
      config.githubRedelivery ? { redeliver: createRedeliverer(config.githubRedelivery, { log }) } : {},
    );
    return jsonResponse(200, { status: "swept", ...report });
  } catch (error) {
    log("error", "sweep failed", {
      ...(error instanceof HttpError ? { code: error.code, reason: error.message } : {}),
      ...describeError(error instanceof HttpError && error.cause ? error.cause : error),
    });
    return toResponse(error);
  }
};
