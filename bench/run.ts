/**
 * `npm run bench`: where vigie costs, measured side by side in one run (BENCHMARKS.md says how and why).
 * Prints a table and writes bench/out/results.json (git-ignored: a run never rewrites a committed file).
 * Exit code 1 if an invariant breaks (a store or network call on the ignored path, a lost message, an error
 * answer, a deploy build that fails); a missed target is reported, not fatal.
 *
 * `npm run bench -- bundle` (or `--only=cpu,bundle,burst,storm,theme`) runs some parts only; `storm`: 60
 * then 120 sites failing at once, the sweeps at +35 s and +39 s (bench/storm-at-once.ts); `npm run bench --
 * theme` runs the theme update scenario alone (bench/theme-update.ts, which also writes
 * bench/out/theme-update.json). `--sites=N` makes both smaller, for a quick look: the theme update covers N
 * sites, the storm one run of N. Burst, storm and theme run through one storm simulator
 * (bench/simulator.ts), which leaves each run's log and Slack messages in bench/out/. `npm run bench -- board`
 * (the status board with 500 open episodes, bench/board.ts) and `npm run bench -- why` (an excerpt of a 20 MB
 * log, bench/why-excerpt.ts) run only when named.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { type BoardResult, runBoard } from "./board.ts";
import { type BundleResult, measureImports } from "./bundle.ts";
import { buildDeployArtifact, bundleFunctions, OUT } from "./bundle-build.ts";
import { type BurstResult, burstLines, runBurst } from "./burst.ts";
import { type CpuResult, runCpu } from "./cpu.ts";
import { BenchInvariantError, round } from "./stats.ts";
import { benchStormAtOnce, printStormAtOnce } from "./storm-at-once.ts";
import { type ThemeUpdateResult, themeUpdateLines, writeThemeUpdate } from "./theme-report.ts";
import { runThemeUpdate } from "./theme-update.ts";
import { runWhy, type WhyResult, whyLines } from "./why-excerpt.ts";

const TARGETS = {
  ignoredRatio: 1.5,
  notifiedRatio: 2.5,
  bundleKib: 300,
  importRatio: 1.15,
} as const;

const sites = (() => {
  const given = process.argv.find((arg) => arg.startsWith("--sites="))?.slice("--sites=".length);
  if (given === undefined) return null;
  const count = Number(given);
  if (!Number.isInteger(count) || count < 1) {
    process.stderr.write(`--sites=${given}: a whole number of sites, at least 1\n`);
    process.exit(2);
  }
  return count;
})();

const parts = (() => {
  const args = process.argv.slice(2).filter((arg) => !arg.startsWith("--sites="));
  const named = args.flatMap((arg) =>
    (arg.startsWith("--only=") ? arg.slice("--only=".length) : arg).split(","),
  );
  const all = ["cpu", "bundle", "burst", "storm", "theme"];
  const unknown = named.filter((part) => ![...all, "board", "why"].includes(part));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown part ${unknown.join(", ")}: npm run bench [-- cpu,bundle,burst,storm,theme,board,why] [--sites=N]\n`,
    );
    process.exit(2);
  }
  const chosen = new Set(named.length > 0 ? named : all);
  return {
    cpu: chosen.has("cpu"),
    bundle: chosen.has("bundle"),
    burst: chosen.has("burst"),
    theme: chosen.has("theme"),
    storm: chosen.has("storm"),
    board: chosen.has("board"),
    why: chosen.has("why"),
  };
})();

const say = (line: string) => process.stderr.write(`${line}\n`);
const pad = (text: string | number, width: number) => String(text).padEnd(width);
const lpad = (text: string | number, width: number) => String(text).padStart(width);
const verdict = (met: boolean) => (met ? "met" : "MISSED");

const machine = {
  cpu: cpus()[0]?.model ?? "unknown",
  nproc: cpus().length,
  node: process.version,
  loadAverageAtStart: loadavg().map((value) => round(value, 2)),
};

const started = performance.now();
let cpu: CpuResult | null = null;
let bundle: BundleResult | null = null;
let burst: BurstResult | null = null;
let theme: ThemeUpdateResult | null = null;
let board: BoardResult | null = null;
let why: WhyResult | null = null;
const problems: string[] = [];

try {
  if (parts.bundle) {
    say("bundle: netlify build --offline (the deploy artifact), Netlify's bundlers, import times (spawns)…");
    const { esbuild, nft } = await bundleFunctions();
    const deployed = await buildDeployArtifact();
    bundle = await measureImports({ deployed, esbuild, nft }, { rounds: 25 });
  }
  if (parts.cpu) {
    say("cpu: floor, ignored and notified deliveries (tinybench, interleaved rounds)…");
    cpu = await runCpu();
  }
  if (parts.burst) {
    say("burst: 500 deliveries through Netlify's local runtime…");
    burst = await runBurst({ log: say });
    if (burst.lost.failing.length > 0 || burst.lost.recovering.length > 0) {
      problems.push(
        `lost: ${[...burst.lost.failing, ...burst.lost.recovering].join(", ")} never named in an accepted message`,
      );
    }
    if (burst.quietNamed.length > 0)
      problems.push(`quiet repositories named in Slack: ${burst.quietNamed.join(", ")}`);
    const errors = Object.entries(burst.answers).filter(([key]) => !/^20[02] /.test(key));
    if (errors.length > 0)
      problems.push(`error answers during the burst: ${JSON.stringify(Object.fromEntries(errors))}`);
  }
  if (parts.storm) {
    const sizes = sites === null ? [60, 120] : [sites];
    say(
      `storm: ${sizes.join(", then ")} sites failing at once through Netlify's local runtime (about ${sizes.length} min)…`,
    );
    printStormAtOnce(await benchStormAtOnce(sizes, { log: say }));
  }
  if (parts.theme) {
    say("theme: a theme update through Netlify's local runtime (300 sites: about 10 minutes)…");
    theme = await runThemeUpdate({ log: say, ...(sites === null ? {} : { sites }) });
    say(`theme: written to ${await writeThemeUpdate(theme)}`);
  }
  if (parts.board) {
    say(
      "board: GET /status with 500 open episodes and 30 days of history (memory store, local BlobsServer)…",
    );
    board = await runBoard();
  }
  if (parts.why) {
    say("why: the excerpt of a 20 MB job log (selectExcerpt, fetch with and without Range)…");
    why = await runWhy();
  }
} catch (error) {
  if (error instanceof BenchInvariantError) {
    problems.push(error.message);
  } else {
    throw error;
  }
}

const seconds = round((performance.now() - started) / 1000, 1);
const lines: string[] = [];
lines.push(
  `vigie benchmarks, ${new Date().toISOString()}: ${machine.nproc} × ${machine.cpu}, Node ${machine.node}, ` +
    `load average at start ${machine.loadAverageAtStart.join(" ")}`,
);

if (cpu) {
  lines.push("");
  lines.push(
    `CPU per delivery: same ${cpu.bodyBytes}-byte workflow_run body, tinybench, ${cpu.rounds} interleaved rounds; ` +
      "ratio = median over rounds of (task p50 / p50 of the floor calls paired with it)",
  );
  lines.push(
    `  ${pad("task", 56)}${lpad("p50 µs", 9)}${lpad("ratio", 8)}  ${pad("target", 8)}rounds (min–max)`,
  );
  for (const task of cpu.tasks) {
    const spread = `${Math.min(...task.ratios).toFixed(2)}–${Math.max(...task.ratios).toFixed(2)}`;
    const goal = task.target === null ? "" : `≤ ${task.target} ${verdict(task.ratio <= task.target)}`;
    lines.push(
      `  ${pad(task.name, 56)}${lpad((task.p50Ms * 1000).toFixed(0), 9)}${lpad(task.ratio.toFixed(2), 8)}  ${pad(goal, 14)}${spread}`,
    );
  }
  lines.push(
    `  ignored path: ${cpu.checks.ignoredAnswers} answers 200 "ignored", fetch calls ${cpu.checks.ignoredFetchCalls}, ` +
      `BlobsStore.open calls ${cpu.checks.ignoredBlobsOpens}; notified: ${cpu.checks.notifiedAnswers} answers, ` +
      `${cpu.checks.slackMessages} Slack messages (+ ${cpu.checks.notifiedOverHttp}/${cpu.checks.httpMessages} over HTTP)`,
  );
}

if (bundle) {
  const top = (inputsKib: Record<string, number>) =>
    Object.entries(inputsKib)
      .slice(0, 4)
      .map(([name, size]) => `${name} ${size}`)
      .join(", ");
  lines.push("");
  lines.push(
    `Cold start: import of each function in a new process, ${bundle.rounds} interleaved rounds, medians; ratio to an ` +
      `empty ESM module imported the same way (${bundle.emptyMs} ms; \`node -e 0\` ${bundle.baseMs} ms, the empty ` +
      `module ${bundle.emptyToNode.toFixed(3)}× that)`,
  );
  lines.push(
    `  As deployed: \`netlify build --offline\` (npm run build, then Netlify's packaging), unzipped, the function file imported`,
  );
  lines.push(
    `  ${pad("function", 10)}${lpad("KiB", 7)}  ${pad("≤ 300", 8)}${lpad("zip KiB", 8)}${lpad("import ms", 10)}${lpad("ratio", 8)}  ${pad("≤ 1.15", 8)}${lpad("cpu ratio", 10)}  manifest`,
  );
  for (const f of bundle.deployed) {
    lines.push(
      `  ${pad(f.name, 10)}${lpad(f.kib, 7)}  ${pad(verdict(f.kib <= TARGETS.bundleKib), 8)}${lpad(f.zipKib, 8)}${lpad(f.importMs, 10)}${lpad(f.ratio.toFixed(3), 8)}  ${pad(verdict(f.ratio <= TARGETS.importRatio), 8)}${lpad(f.cpuRatio?.toFixed(3) ?? "n/a", 10)}  ` +
        `${f.bundler}, ${f.runtimeVersion ?? "runtime unset"}, ${f.route ?? (f.schedule === null ? "no route" : `schedule ${f.schedule}`)}`,
    );
  }
  lines.push(
    `  For comparison, same rounds: Netlify's esbuild bundler (unminified; never applied to v2 functions), and its NFT bundler (what was deployed before)`,
  );
  lines.push(
    `  ${pad("function", 10)}${lpad("KiB", 7)}${lpad("import ms", 10)}${lpad("ratio", 8)}${lpad("cpu ratio", 10)}  largest parts (KiB)   |  NFT: ${lpad("KiB", 6)}${lpad("ratio", 8)}`,
  );
  for (const f of bundle.esbuild) {
    const nft = bundle.nft.find((n) => n.name === f.name);
    lines.push(
      `  ${pad(f.name, 10)}${lpad(f.kib, 7)}${lpad(f.importMs, 10)}${lpad(f.ratio.toFixed(3), 8)}${lpad(f.cpuRatio?.toFixed(3) ?? "n/a", 10)}  ${pad(top(f.inputsKib), 20)}|  NFT: ${lpad(nft?.kib ?? "", 6)}${lpad(nft?.ratio.toFixed(3) ?? "", 8)}`,
    );
  }
  lines.push(
    `  cold start to the first answer (import + one ignored delivery; sweep: import + one sweep with nothing to do, local Blobs), ratio to \`node -e 0\`: ` +
      bundle.coldStart.map((c) => `${c.name} ${c.ms} ms ratio ${c.ratio.toFixed(3)}`).join(", "),
  );
}

if (burst) lines.push("", ...burstLines(burst));

// The theme update's expectations print PASS/FAIL but never fail the run: a measurement, not a gate.
if (theme) lines.push("", ...themeUpdateLines(theme));

if (why) {
  lines.push("");
  lines.push(...whyLines(why));
}

if (board) {
  lines.push("");
  lines.push(
    `Board: GET /status with ${board.open} open episodes, ${board.historyDays} days of history at their bounds, 300 outbox messages read`,
  );
  lines.push(
    `  HTML ${board.htmlKib} KiB, JSON ${board.jsonKib} KiB; store calls per request: ${board.memory.calls.list} lists, ${board.memory.calls.get} reads, ${board.memory.calls.set} writes`,
  );
  lines.push(
    `  median time: in-memory store HTML ${board.memory.htmlMs} ms, JSON ${board.memory.jsonMs} ms; with ${board.modelled.latencyMs} ms per store call ${board.modelled.htmlMs} ms; local BlobsServer HTML ${board.blobs.htmlMs} ms, JSON ${board.blobs.jsonMs} ms`,
  );
  lines.push(
    `  sweep history step (local BlobsServer): first run (reads 100 new episodes) ${board.history.firstMs} ms, second ${board.history.secondMs} ms, steady run (all 500 tracked) ${board.history.steadyMs} ms`,
  );
}

lines.push("");
lines.push(`total ${seconds} s${problems.length > 0 ? `; BROKEN: ${problems.join("; ")}` : ""}`);
const table = lines.join("\n");
process.stdout.write(`${table}\n`);

const results = {
  date: new Date().toISOString(),
  machine,
  seconds,
  targets: TARGETS,
  cpu,
  bundle,
  burst,
  theme,
  board,
  why,
  problems,
  table,
};
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
if (problems.length > 0) process.exitCode = 1;
