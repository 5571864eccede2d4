/**
 * `npm run route -- <site> [branch] [source] [workflow]`: where a run's messages would go with this
 * configuration (the environment, then `.env`), and the whole routing table. Exit codes: 0 shown, 1 nothing
 * would be sent (the problem is printed, naming the variable and the ROUTES rule), 2 usage.
 */
import { loadConfig, sendingBlocker } from "../src/config.ts";
import { matchRoute, ROUTE_SOURCES } from "../src/routing/routes.ts";
import { describeDestination, describeRouting } from "../src/routing/routing.ts";
import { loadDotEnv } from "./dotenv.ts";

const main = (): number => {
  const [site, branch, source, workflow] = process.argv.slice(2);
  if (site === undefined || site.startsWith("-")) {
    console.error("usage: npm run route -- <site> [branch] [source] [workflow]");
    console.error(
      `  source: ${ROUTE_SOURCES.join(", ")} (default github); workflow: a workflow or pipeline name`,
    );
    return 2;
  }
  loadDotEnv();
  const config = loadConfig(process.env);
  const blocker = sendingBlocker(config);
  for (const problem of config.problems.filter((p) => p.feature === "slack")) {
    console.error(`vigie: ${problem.variable}: ${problem.message}`);
  }
  if (blocker) {
    console.error("Nothing would be sent: a destination or a rule that cannot be trusted stops every send.");
    return 1;
  }
  const { routing } = config;
  const input = { site, branch: branch ?? null, source: source ?? "github", workflow: workflow ?? "" };
  const { rule, destinations } = matchRoute(routing.rules, input);
  const run = `${site}${branch ? ` on ${branch}` : ""} (${input.source}${workflow ? `, ${workflow}` : ""})`;
  const by = rule ? `rule ${rule.number}: ${rule.text}` : "no rule matched";
  if (destinations.length === 0) console.log(`${run} -> muted, nothing is sent (${by})`);
  else {
    console.log(`${run} -> ${destinations.join(", ")} (${by})`);
    for (const name of destinations) {
      const destination = routing.destinations.get(name);
      console.log(`  ${name}: ${destination ? describeDestination(destination) : "not configured"}`);
    }
  }
  console.log("\nRouting table (first match wins):");
  for (const line of describeRouting(routing)) console.log(`  ${line}`);
  return 0;
};

process.exit(main());
