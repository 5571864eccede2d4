import { DEFAULT_DESTINATION } from "../routing/routes.ts";
import type { Routing } from "../routing/routing.ts";

/**
 * Whether some message would be printed instead of sent: the `default` destination is a dry run
 * (SLACK_WEBHOOK_URL unset) and a run can reach it, through the fallback (no `*` rule before it) or a
 * rule naming it. A vigie in dry run must never look healthy: the status JSON says `dryRun: true`, the
 * board shows it first, and `npm run doctor` marks it ✗ (docs/architecture.md, "The board").
 */
export const isDryRun = (routing: Routing): boolean => {
  if (routing.destinations.get(DEFAULT_DESTINATION)?.kind !== "dry_run") return false;
  const catchAll = routing.rules.findIndex((rule) => rule.conditions.length === 0);
  const before = catchAll < 0 ? routing.rules : routing.rules.slice(0, catchAll + 1);
  return catchAll < 0 || before.some((rule) => rule.destinations.includes(DEFAULT_DESTINATION));
};
