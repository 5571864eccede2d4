/**
 * Cold starts: each function bundled as Netlify bundles it, its size, and the time to import it in a new
 * Node process, as a ratio to a bare `node -e 0` spawned in the same rounds (interleaved, order rotated,
 * medians compared: this machine is shared and noisy).
 *
 * The esbuild options are those of Netlify's esbuild bundler, @netlify/zip-it-and-ship-it 14.7.1 (the
 * version netlify-cli 26 / @netlify/build 35 deploy with), dist/runtimes/node/bundlers/esbuild/bundler.js
 * `bundleJsFile`: `bundle: true`, `format` ESM (bundler_target.js `getModuleFormat`: a `.mts` v2
 * function), `platform: "node"`, `target: [getBundlerTarget(nodeVersion)]` = node20 (netlify.toml sets
 * NODE_VERSION 20), `banner: { js: CJS_SHIM }` (utils/esm_cjs_compat.js, imported from there below), the
 * plugin that leaves `node:` builtins external (plugin_node_builtin.js), its `resolveExtensions`,
 * `outExtension` `.mjs`, no `minify`, no `sourcemap`, `external` empty (no `external_node_modules`).
 *
 * Also measured, for information:
 * - "as deployed": for v2 functions zip-it-and-ship-it actually forces its NFT bundler
 *   (bundlers/index.js `getBundlerName`), which bundles our own code with esbuild and leaves packages
 *   external, shipped as files (bundlers/nft/transformer.js `transform`: `bundle: true, packages:
 *   "external"`, same banner, format and target). Its import resolves the packages from node_modules.
 * - cold start to the first answer: a new process imports the bundle and answers one ignored delivery
 *   (the Request is built before, as the platform builds it), against the same for a hello-world
 *   function: what vigie adds to a cold invocation, import and first request together.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Metafile, type Plugin } from "esbuild";
import { failedRunPayload, signGithub } from "../test/fixtures/github.ts";
import { median, round } from "./stats.ts";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const DIST = join(ROOT, "bench", "dist");
const ZISI = join(ROOT, "node_modules", "@netlify", "zip-it-and-ship-it");

/** zip-it-and-ship-it's own banner text, so the bundle is byte for byte what Netlify would evaluate. */
const cjsShim = async (): Promise<string> => {
  const file = join(ZISI, "dist", "runtimes", "node", "utils", "esm_cjs_compat.js");
  const { CJS_SHIM } = (await import(pathToFileURL(file).href)) as { CJS_SHIM: string };
  return CJS_SHIM;
};

/** plugin_node_builtin.js: `node:x` imports stay external, without the prefix. */
const nodeBuiltins: Plugin = {
  name: "builtin-modules",
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path.slice("node:".length), external: true }));
  },
};

const RESOLVE_EXTENSIONS = [".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".json"];

export interface BundledFunction {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  /** Bytes in the bundle per package (and "src" for our own code), largest first. */
  readonly inputs: Record<string, number>;
}

const byPackage = (metafile: Metafile, output: string): Record<string, number> => {
  const sizes: Record<string, number> = {};
  for (const [path, input] of Object.entries(metafile.outputs[output]?.inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = match?.[1] ?? (path.startsWith("src/") || path.startsWith("netlify/") ? "vigie" : path);
    sizes[key] = (sizes[key] ?? 0) + input.bytesInOutput;
  }
  return Object.fromEntries(Object.entries(sizes).sort((a, b) => b[1] - a[1]));
};

export const functionNames = (): string[] =>
  readdirSync(join(ROOT, "netlify", "functions"))
    .filter((file) => file.endsWith(".mts"))
    .map((file) => basename(file, ".mts"))
    .sort();

/** Bundles every function twice: as Netlify's esbuild bundler does, and as its NFT bundler does (info). */
export const bundleFunctions = async (): Promise<{
  esbuild: BundledFunction[];
  deployed: BundledFunction[];
}> => {
  await rm(DIST, { recursive: true, force: true });
  await mkdir(DIST, { recursive: true });
  const banner = { js: await cjsShim() };
  const esbuildBundles: BundledFunction[] = [];
  const deployedBundles: BundledFunction[] = [];
  for (const name of functionNames()) {
    const entry = join(ROOT, "netlify", "functions", `${name}.mts`);
    const outdir = join(DIST, "esbuild");
    const result = await build({
      absWorkingDir: ROOT,
      banner,
      bundle: true,
      entryPoints: [entry],
      external: [],
      format: "esm",
      logLevel: "warning",
      logLimit: 10,
      metafile: true,
      minify: false,
      outdir,
      outExtension: { ".js": ".mjs" },
      platform: "node",
      plugins: [nodeBuiltins],
      resolveExtensions: RESOLVE_EXTENSIONS,
      sourcemap: false,
      target: ["node20"],
    });
    const file = join(outdir, `${name}.mjs`);
    const output = relative(ROOT, file);
    esbuildBundles.push({
      name,
      file,
      bytes: result.metafile.outputs[output]?.bytes ?? readFileSync(file).byteLength,
      inputs: byPackage(result.metafile, output),
    });

    const nftDir = join(DIST, "deployed");
    const deployed = await build({
      absWorkingDir: ROOT,
      banner,
      bundle: true,
      packages: "external",
      entryPoints: [entry],
      format: "esm",
      logLevel: "error",
      metafile: true,
      outdir: nftDir,
      outExtension: { ".js": ".mjs" },
      platform: "node",
      target: ["node20"],
    });
    const nftFile = join(nftDir, `${name}.mjs`);
    const nftOutput = relative(ROOT, nftFile);
    deployedBundles.push({
      name,
      file: nftFile,
      bytes: deployed.metafile.outputs[nftOutput]?.bytes ?? readFileSync(nftFile).byteLength,
      inputs: byPackage(deployed.metafile, nftOutput),
    });
  }
  return { esbuild: esbuildBundles, deployed: deployedBundles };
};

/** CPU time (user + system) of the children this process has waited for, in ms (Linux /proc). */
const childrenCpuMs = (): number | null => {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the command name: state(0) ... utime(11) stime(12) cutime(13) cstime(14), in clock ticks.
    const ticks = Number(fields[13]) + Number(fields[14]);
    return Number.isFinite(ticks) ? ticks * 10 : null; // CLK_TCK is 100 on Linux
  } catch {
    return null;
  }
};

interface Command {
  readonly key: string;
  readonly args: readonly string[];
}

interface Timing {
  readonly wallMs: number[];
  cpuMs: number;
  runs: number;
}

/** Spawns each command once per round, order rotated each round; returns wall times and mean CPU. */
const measureSpawns = (commands: readonly Command[], rounds: number): Map<string, Timing> => {
  const timings = new Map<string, Timing>(commands.map((c) => [c.key, { wallMs: [], cpuMs: 0, runs: 0 }]));
  // One unmeasured run each: the first spawn pays for cold disk caches.
  for (const command of commands) spawnSync(process.execPath, command.args, { stdio: "ignore" });
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < commands.length; i++) {
      const command = commands[(i + r) % commands.length] as Command;
      const cpuBefore = childrenCpuMs();
      const started = performance.now();
      const child = spawnSync(process.execPath, command.args, { encoding: "utf8" });
      const wall = performance.now() - started;
      const cpuAfter = childrenCpuMs();
      if (child.status !== 0) {
        throw new Error(`${command.key} exited ${child.status}: ${child.stderr.slice(0, 2000)}`);
      }
      const timing = timings.get(command.key) as Timing;
      timing.wallMs.push(wall);
      timing.runs++;
      if (cpuBefore !== null && cpuAfter !== null) timing.cpuMs += cpuAfter - cpuBefore;
    }
  }
  return timings;
};

export interface ImportFigure {
  readonly name: string;
  readonly kib: number;
  readonly inputsKib: Record<string, number>;
  readonly importMs: number;
  /** median(import wall) / median(`node -e 0` wall), same rounds. */
  readonly ratio: number;
  /** mean CPU (user+sys) per process / the same for `node -e 0`: less sensitive to a busy machine. */
  readonly cpuRatio: number | null;
}

export interface ColdStartFigure {
  readonly name: string;
  readonly ms: number;
  readonly ratio: number;
  readonly cpuRatio: number | null;
}

export interface BundleResult {
  readonly rounds: number;
  readonly baseMs: number;
  /** Importing an empty ESM file: the floor any ESM function has under this method. */
  readonly emptyModuleRatio: number;
  readonly functions: readonly ImportFigure[];
  readonly deployed: readonly ImportFigure[];
  readonly coldStart: readonly ColdStartFigure[];
}

const importArgs = (file: string): string[] => [
  "--input-type=module",
  "-e",
  `await import(${JSON.stringify(pathToFileURL(file).href)})`,
];

const kib = (bytes: number): number => round(bytes / 1024, 1);

/** A child that builds the Request first (the platform's work), then imports the function and answers. */
const coldArgs = (file: string, input: string): string[] => [
  "--input-type=module",
  "-e",
  [
    `import { readFileSync } from "node:fs";`,
    `const { body, signature, secret } = JSON.parse(readFileSync(${JSON.stringify(input)}, "utf8"));`,
    `process.env.GITHUB_WEBHOOK_SECRET = secret;`,
    `const req = new Request("http://localhost/webhooks/github", { method: "POST", body, headers: {`,
    `  "content-type": "application/json", "x-github-event": "workflow_run",`,
    `  "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958", "x-hub-signature-256": signature } });`,
    `new Response("warm");`,
    `const write = process.stdout.write; process.stdout.write = () => true;`,
    `const fn = (await import(${JSON.stringify(pathToFileURL(file).href)})).default;`,
    `const res = await fn(req); const text = await res.text();`,
    `process.stdout.write = write;`,
    `if (res.status !== 200 || !text.includes("ignored")) { console.error(res.status, text); process.exit(1); }`,
  ].join("\n"),
];

export const measureImports = async (
  bundles: { esbuild: BundledFunction[]; deployed: BundledFunction[] },
  options: { rounds?: number } = {},
): Promise<BundleResult> => {
  const rounds = options.rounds ?? 30;
  const empty = join(DIST, "empty.mjs");
  writeFileSync(empty, "export default 1;\n");
  const hello = join(DIST, "hello.mjs");
  writeFileSync(hello, 'export default async () => new Response(\'{"status":"ignored"}\');\n');
  const secret = "vigie-bench-cold-secret";
  const body = JSON.stringify(failedRunPayload({ repo: "acme/site-1", conclusion: "cancelled" }));
  const input = join(DIST, "cold-delivery.json");
  writeFileSync(input, JSON.stringify({ body, signature: await signGithub(secret, body), secret }));
  const github = bundles.esbuild.find((b) => b.name === "github");

  const commands: Command[] = [
    { key: "base", args: ["-e", "0"] },
    { key: "empty", args: importArgs(empty) },
    ...bundles.esbuild.map((b) => ({ key: `esbuild:${b.name}`, args: importArgs(b.file) })),
    ...bundles.deployed.map((b) => ({ key: `deployed:${b.name}`, args: importArgs(b.file) })),
    { key: "cold:hello", args: coldArgs(hello, input) },
    ...(github && existsSync(github.file)
      ? [{ key: "cold:github", args: coldArgs(github.file, input) }]
      : []),
  ];
  const timings = measureSpawns(commands, rounds);
  const base = timings.get("base") as Timing;
  const baseWall = median(base.wallMs);
  const baseCpu = base.runs > 0 ? base.cpuMs / base.runs : 0;
  const figure = (key: string) => {
    const timing = timings.get(key) as Timing;
    const wall = median(timing.wallMs);
    const cpu = timing.runs > 0 ? timing.cpuMs / timing.runs : 0;
    return {
      ms: round(wall, 1),
      ratio: round(wall / baseWall, 3),
      cpuRatio: baseCpu > 0 ? round(cpu / baseCpu, 3) : null,
    };
  };
  const importFigure = (kind: "esbuild" | "deployed") => (b: BundledFunction) => {
    const { ms, ratio, cpuRatio } = figure(`${kind}:${b.name}`);
    return {
      name: b.name,
      kib: kib(b.bytes),
      inputsKib: Object.fromEntries(Object.entries(b.inputs).map(([k, v]) => [k, kib(v)])),
      importMs: ms,
      ratio,
      cpuRatio,
    };
  };
  return {
    rounds,
    baseMs: round(baseWall, 1),
    emptyModuleRatio: figure("empty").ratio,
    functions: bundles.esbuild.map(importFigure("esbuild")),
    deployed: bundles.deployed.map(importFigure("deployed")),
    coldStart: ["hello", ...(github ? ["github"] : [])].map((name) => ({ name, ...figure(`cold:${name}`) })),
  };
};
