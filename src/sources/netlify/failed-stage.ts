import type { FailedAt } from "../../event.ts";
import { failedAt } from "../../failed-at.ts";

/**
 * "Failed during stage 'building site': Build script returned non-zero exit code: 2": the stage that
 * stopped the build, then what went wrong. Older messages start lowercase (Zulip's 2018 fixture
 * deploy_failed.json), and some carry no stage at all ("Timeout", "Skipped due to account credit usage
 * exceeded"). Same pattern as cancel-rules.ts.
 */
const STAGE = /^failed during stage '([^']*)':\s*/i;

/** The one "job" of a Netlify deploy, as the "Failed at" line names it. */
export const NETLIFY_BUILD = "Netlify build";

/**
 * The `failedAt` of a failed Netlify deploy, from its `error_message`: Netlify builds each deploy in one
 * job whose stages run in turn, so the stage is where the build stopped (the `step`, as a GitHub step is
 * where a job stopped) and the rest of the message is the error, signed with `site` left out. null without a
 * message.
 */
export const failedStage = (
  errorMessage: string | null | undefined,
  logsUrl: string,
  site: string | null = null,
): FailedAt | null => {
  const message = errorMessage?.trim() ?? "";
  if (message === "") return null;
  const match = STAGE.exec(message);
  const stage = match?.[1]?.trim() || null;
  const error = match ? message.slice(match[0].length).trim() : message;
  // Netlify's error is the key error line: its signature groups a storm by cause (src/why/signature.ts).
  return failedAt(
    [{ name: NETLIFY_BUILD, stage: null, url: logsUrl, step: stage, error: error || null }],
    site,
  );
};
