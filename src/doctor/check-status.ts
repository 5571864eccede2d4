import { type Env, parseVariable } from "../config/parse.ts";
import { sameOriginFetch } from "../net/same-origin-fetch.ts";
import { describeApiFailure } from "../setup/api-failure.ts";
import { statusSummarySchema } from "../status/status-schema.ts";
import { type Check, off, ok, problem } from "./check.ts";

/** The sweep runs every minute: a last run older than this means the scheduled function is not running. */
export const SWEEP_STALE_MS = 5 * 60_000;

/**
 * `npm run doctor --url BASE`: a deployed vigie's `GET /status` (JSON, parsed with the status schema):
 * its configuration, whether it is a dry run, dead messages, the sweep. Without VIGIE_STATUS_TOKEN here
 * the route cannot be read: not checked (–), not a problem.
 */
export const checkStatus = async (
  options: { readonly base: string | undefined },
  env: Env,
  deps: { readonly fetch?: typeof fetch; readonly now?: () => number },
): Promise<Check[]> => {
  const label = "Status route";
  if (options.base === undefined) return [off(label, "not checked: pass --url BASE or set VIGIE_URL")];
  const token = parseVariable(env, "VIGIE_STATUS_TOKEN").value;
  const url = `${options.base}/status`;
  // An optional feature this machine cannot check is not a problem of the deployed vigie.
  if (token === undefined)
    return [
      off(label, `not checked: set VIGIE_STATUS_TOKEN here to the deployed site's value to read ${url}`),
    ];
  let response: Response;
  try {
    response = await sameOriginFetch({ fetch: deps.fetch, maxBytes: 8 * 1024 * 1024 })(url, {
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    return [
      problem(
        label,
        `${url} did not answer: ${describeApiFailure(error, "vigie", new URL(url).host).text}`,
        "check --url, and that the site is deployed",
      ),
    ];
  }
  if (response.status === 404) {
    return [
      problem(
        label,
        `${url} answered 404`,
        "set VIGIE_STATUS_TOKEN in the site's environment (Functions scope) and redeploy",
      ),
    ];
  }
  if (response.status === 401)
    return [
      problem(
        label,
        `${url} refused the token (401)`,
        "use the same VIGIE_STATUS_TOKEN as the deployed site",
      ),
    ];
  if (!response.ok)
    return [problem(label, `${url} answered ${response.status}`, "read the status function's log")];
  const parsed = statusSummarySchema.safeParse(await response.json().catch(() => null));
  if (!parsed.success)
    return [
      problem(
        label,
        `${url} answered something that is not vigie's status`,
        "check --url, or upgrade the deployed vigie",
      ),
    ];
  const body = parsed.data;
  const checks: Check[] = [];
  checks.push(
    body.config.valid
      ? ok("Deployed config", "valid")
      : problem(
          "Deployed config",
          `problems with ${body.config.problems.join(", ")}`,
          'read the function log ("configuration problem") and fix those variables on Netlify',
        ),
  );
  if (body.dryRun === true)
    checks.push(
      problem(
        "Deployed Slack",
        "DRY RUN: SLACK_WEBHOOK_URL is unset on the deployed site, messages are only logged, nothing is sent",
        "set SLACK_WEBHOOK_URL in the site's environment (Functions scope) and redeploy",
      ),
    );
  const dead = body.outbox.dead;
  checks.push(
    dead === 0
      ? ok("Outbox", `${body.outbox.waiting} waiting, none dead`)
      : problem(
          "Outbox",
          `${dead} dead message${dead > 1 ? "s" : ""} (the destination refused them)`,
          `read their reasons on the board (${url}), fix the destination, then npm run outbox -- resend --dead --url ${options.base}`,
        ),
  );
  const lastRun = body.sweep.lastRunAt ? Date.parse(body.sweep.lastRunAt) : Number.NaN;
  const now = (deps.now ?? Date.now)();
  checks.push(
    Number.isFinite(lastRun) && now - lastRun <= SWEEP_STALE_MS
      ? ok("Sweep", `last ran ${Math.round((now - lastRun) / 1000)} s ago`)
      : problem(
          "Sweep",
          Number.isFinite(lastRun)
            ? `last ran ${Math.round((now - lastRun) / 60_000)} min ago`
            : "has never run",
          "check the scheduled function (Netlify → Logs → Functions → sweep); it runs on the published deploy only",
        ),
  );
  checks.push(ok("Open episodes", String(body.episodes.open)));
  return checks;
};
