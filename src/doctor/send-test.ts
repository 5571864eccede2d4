import type { Env } from "../config/parse.ts";
import { loadConfig, sendingBlocker } from "../config.ts";
import { testNotice } from "../destinations/notice.ts";
import { createDestinationRouter } from "../destinations/router.ts";
import { memoryLogger } from "../log.ts";
import { canonicalDestination } from "../routing/routes.ts";
import { describeDestination } from "../routing/routing.ts";
import { type Check, ok, problem } from "./check.ts";

/**
 * `npm run doctor -- --send-test [DESTINATION]`: one clearly marked test message to each destination
 * (or the one named), through the same senders the functions use, and what each answered; so that a new
 * webhook is checked before the first real failure. The message is a test notice, which each destination
 * kind formats as its own (a Slack message, a Teams card, a Discord embed, a signed `vigie.test` document).
 */
export const SEND_TEST_TIMEOUT_MS = 10_000;

export const sendTest = async (
  env: Env,
  only: string | undefined,
  deps: { readonly fetch?: typeof fetch; readonly now?: () => number },
): Promise<Check[]> => {
  const config = loadConfig(env);
  const blocker = sendingBlocker(config);
  if (blocker)
    return [
      problem(
        "Test message",
        `not sent: ${blocker.variable}: ${blocker.message}`,
        "fix that variable, then try again",
      ),
    ];
  const { destinations } = config.routing;
  const names = only === undefined ? [...destinations.keys()] : [canonicalDestination(only)];
  const logs = memoryLogger();
  const router = createDestinationRouter(config.routing, {
    timeoutMs: SEND_TEST_TIMEOUT_MS,
    log: logs.log,
    fetch: deps.fetch,
    now: deps.now,
  });
  const now = (deps.now ?? Date.now)();
  const checks: Check[] = [];
  for (const name of names) {
    const label = `Test to ${name}`;
    const destination = destinations.get(name);
    if (destination === undefined) {
      checks.push(
        problem(
          label,
          `no destination ${name}`,
          `set SLACK_WEBHOOK_URL_${name}, or pick one of ${[...destinations.keys()].join(", ")}`,
        ),
      );
      continue;
    }
    const where = describeDestination(destination);
    const result = await router.send(testNotice(name, now), { destination: name });
    switch (result.kind) {
      case "sent":
        checks.push(ok(label, `${where} accepted it: look for the message marked [TEST]`));
        break;
      case "dry_run":
        checks.push(
          name === "default"
            ? problem(
                label,
                "DRY RUN: nothing was sent (SLACK_WEBHOOK_URL is unset)",
                "set SLACK_WEBHOOK_URL",
              )
            : problem(
                label,
                `DRY RUN: nothing was sent (destination ${name} is set to dry-run)`,
                `set its webhook variable to the destination's URL instead of dry-run`,
              ),
        );
        break;
      case "dead": {
        const hint = logs.lines.findLast((line) => typeof line.hint === "string")?.hint;
        checks.push(
          problem(
            label,
            `${where} refused it: ${result.reason}`,
            typeof hint === "string" ? hint : `check ${where}`,
          ),
        );
        break;
      }
      case "retryable":
        checks.push(
          problem(
            label,
            `${where} did not take it: ${result.reason}`,
            result.status === 429
              ? "rate limited: try again in a minute"
              : "try again later; check the destination's status page",
          ),
        );
        break;
    }
  }
  return checks;
};
