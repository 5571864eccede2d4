/**
 * Cold starts: the functions as deployed, and as Netlify's own bundlers would have made them, their size, and
 * the time to import each in a new Node process, as a ratio to an empty ESM module imported the same way and to
 * a bare `node -e 0`, all spawned in the same rounds (interleaved, order rotated, medians compared: this
 * machine is shared and noisy).
 *
 * - "deployed": the deploy artifact built exactly as `netlify deploy --build` builds it: `netlify build
 *   --offline` in the repository (netlify.toml's build command, scripts/build-functions.ts, then
 *   zip-it-and-ship-it packaging `dist/functions` with `node_bundler = "none"`), the zips it wrote in
 *   `.netlify/functions` unpacked, and the function file that `manifest.json` names imported from there.
 * - "esbuild": each function bundled as Netlify's esbuild bundler would: @netlify/zip-it-and-ship-it 14.7.1 (the
 *   version netlify-cli 26 / @netlify/build 35 deploy with), dist/runtimes/node/bundlers/esbuild/bundler.js
 *   `bundleJsFile`: `bundle: true`, `format` ESM (bundler_target.js `getModuleFormat`: a `.mts` v2 function),
 *   `platform: "node"`, `target: [getBundlerTarget(nodeVersion)]` = node22 (netlify.toml sets NODE_VERSION
 *   22), `banner: { js: CJS_SHIM }` (utils/esm_cjs_compat.js, imported from there below), the plugin that
 *   leaves `node:` builtins external (plugin_node_builtin.js), its `resolveExtensions`, `outExtension` `.mjs`,
 *   no `minify`, no `sourcemap`, `external` empty. For information: Netlify never applies it to v2 functions.
 * - "nft": what Netlify deployed before `node_bundler = "none"`: for v2 functions zip-it-and-ship-it forces its
 *   NFT bundler (bundlers/index.js `getBundlerName`), which bundles our own code with esbuild and leaves
 *   packages external, shipped as files (bundlers/nft/transformer.js `transform`: `bundle: true, packages:
 *   "external"`, same banner, format and target). Its import resolves the packages from node_modules.
 * - cold start to the first answer: a new process imports the deployed github (netlify) function and answers
 *   one ignored delivery, a cancelled run (a "Deploy started"), the Request built before, as the platform
 *   builds it, against the same for a hello-world function: what vigie adds to a cold invocation, import and
 *   first request together. And the sweep's: a new process imports the deployed sweep and runs one sweep
 *   with nothing to do (the case of almost every minute) against a local BlobsServer
 *   (@netlify/blobs/server) in a process of its own, reached as on Netlify through NETLIFY_BLOBS_CONTEXT.
 *   The sweep loads its steps when it runs, so its import alone would leave that cost out; this counts it.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Metafile, type Plugin } from "esbuild";
import extractZip from "extract-zip";
import { failedRunPayload, signGithub } from "../samples/github.ts";
import { netlifyBody, netlifyDeploy, signNetlify } from "../samples/netlify.ts";
import { invariant, median, round } from "./stats.ts";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
/** Everything the bench writes (git-ignored). */
export const OUT = join(ROOT, "bench", "out");
export const DIST = join(OUT, "dist");
const NETLIFY_CLI = join(ROOT, "node_modules", "netlify-cli", "bin", "run.js");
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

/** Bundles every function twice: as Netlify's esbuild bundler would, and as its NFT bundler does (info). */
export const bundleFunctions = async (): Promise<{
  esbuild: BundledFunction[];
  nft: BundledFunction[];
}> => {
  await rm(DIST, { recursive: true, force: true });
  await mkdir(DIST, { recursive: true });
  const banner = { js: await cjsShim() };
  const esbuildBundles: BundledFunction[] = [];
  const nftBundles: BundledFunction[] = [];
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
      target: ["node22"],
    });
    const file = join(outdir, `${name}.mjs`);
    const output = relative(ROOT, file);
    esbuildBundles.push({
      name,
      file,
      bytes: result.metafile.outputs[output]?.bytes ?? readFileSync(file).byteLength,
      inputs: byPackage(result.metafile, output),
    });

    const nftDir = join(DIST, "nft");
    const nft = await build({
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
      target: ["node22"],
    });
    const nftFile = join(nftDir, `${name}.mjs`);
    const nftOutput = relative(ROOT, nftFile);
    nftBundles.push({
      name,
      file: nftFile,
      bytes: nft.metafile.outputs[nftOutput]?.bytes ?? readFileSync(nftFile).byteLength,
      inputs: byPackage(nft.metafile, nftOutput),
    });
  }
  return { esbuild: esbuildBundles, nft: nftBundles };
};

export interface DeployedFunction {
  readonly name: string;
  /** The function's own file, unpacked from the zip Netlify would upload. */
  readonly file: string;
  readonly bytes: number;
  readonly zipBytes: number;
  /** From manifest.json: what Netlify is told. */
  readonly bundler: string;
  readonly runtimeVersion: string | null;
  readonly route: string | null;
  readonly schedule: string | null;
}

interface ManifestFunction {
  readonly name: string;
  readonly mainFile: string;
  readonly path: string;
  readonly bundler?: string;
  readonly runtimeVersion?: string;
  readonly schedule?: string;
  readonly routes?: ReadonlyArray<{ readonly pattern?: string }>;
  readonly buildData?: { readonly runtimeAPIVersion?: number };
}

/**
 * `netlify build --offline` in the repository, as `netlify deploy --build` builds before it uploads (without
 * --offline it would also read the linked site's settings and environment), then every zip of the manifest
 * unpacked into bench/out/dist/deployed/<name>/.
 */
export const buildDeployArtifact = async (): Promise<DeployedFunction[]> => {
  const functionsDist = join(ROOT, ".netlify", "functions");
  await rm(functionsDist, { recursive: true, force: true });
  const result = spawnSync(process.execPath, [NETLIFY_CLI, "build", "--offline"], {
    cwd: ROOT,
    encoding: "utf8",
    // CI=true: no prompt, no telemetry process left behind. AWS_LAMBDA_JS_RUNTIME: Netlify builds on Node 22
    // (netlify.toml NODE_VERSION) and gives the functions that version; this machine builds on Node 20, so the
    // variable a site sets for a local `netlify deploy --build` (README) stands in for it in manifest.json.
    env: { ...process.env, CI: "true", NO_COLOR: "1", AWS_LAMBDA_JS_RUNTIME: "nodejs22.x" },
  });
  invariant(
    result.status === 0,
    `netlify build --offline exited ${result.status}: ${`${result.stdout}${result.stderr}`.slice(-3000)}`,
  );
  const manifest = JSON.parse(readFileSync(join(functionsDist, "manifest.json"), "utf8")) as {
    functions: ManifestFunction[];
  };
  const deployed: DeployedFunction[] = [];
  for (const fn of [...manifest.functions].sort((a, b) => a.name.localeCompare(b.name))) {
    invariant(fn.buildData?.runtimeAPIVersion === 2, `${fn.name}: deployed as a v1 function (manifest.json)`);
    const dir = join(DIST, "deployed", fn.name);
    await rm(dir, { recursive: true, force: true });
    await extractZip(fn.path, { dir });
    // With `node_bundler = "none"` the zip holds the bundle (and, with `included_files`, its chunks) at its
    // path relative to their common directory; Netlify's entry point names it.
    const entryPoint = readFileSync(join(dir, "___netlify-entry-point.mjs"), "utf8");
    const named = /getLambdaHandler\(['"]([^'"]+)['"]\)/.exec(entryPoint)?.[1];
    invariant(named !== undefined, `${fn.name}: no getLambdaHandler('<file>') in ___netlify-entry-point.mjs`);
    const file = join(dir, named);
    invariant(existsSync(file), `${fn.name}: ${basename(fn.mainFile)} is not in ${fn.path}`);
    deployed.push({
      name: fn.name,
      file,
      bytes: statSync(file).size,
      zipBytes: statSync(fn.path).size,
      bundler: fn.bundler ?? "unknown",
      runtimeVersion: fn.runtimeVersion ?? null,
      route: fn.routes?.[0]?.pattern ?? null,
      schedule: fn.schedule ?? null,
    });
  }
  invariant(
    deployed.map((fn) => fn.name).join() === functionNames().join(),
    `deployed functions ${deployed.map((fn) => fn.name).join(", ")} ≠ netlify/functions ${functionNames().join(", ")}`,
  );
  return deployed;
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
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>> | undefined;
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
  const envOf = (command: Command) => (command.env ? { ...process.env, ...command.env } : process.env);
  for (const command of commands)
    spawnSync(process.execPath, command.args, { stdio: "ignore", env: envOf(command) });
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < commands.length; i++) {
      const command = commands[(i + r) % commands.length] as Command;
      const cpuBefore = childrenCpuMs();
      const started = performance.now();
      const child = spawnSync(process.execPath, command.args, { encoding: "utf8", env: envOf(command) });
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
  readonly importMs: number;
  /** median(import wall) / median(empty ESM module import wall), same rounds: the target's ratio. */
  readonly ratio: number;
  /** median(import wall) / median(`node -e 0` wall), same rounds. */
  readonly ratioToNode: number;
  /** mean CPU (user+sys) per process / the same for the empty module: less sensitive to a busy machine. */
  readonly cpuRatio: number | null;
}

export interface BundledFigure extends ImportFigure {
  readonly inputsKib: Record<string, number>;
}

export interface DeployedFigure extends ImportFigure {
  readonly zipKib: number;
  readonly bundler: string;
  readonly runtimeVersion: string | null;
  readonly route: string | null;
  readonly schedule: string | null;
}

export interface ColdStartFigure {
  readonly name: string;
  readonly ms: number;
  /** To `node -e 0`. */
  readonly ratio: number;
  readonly cpuRatio: number | null;
}

export interface BundleResult {
  readonly rounds: number;
  readonly baseMs: number;
  /** Importing an empty ESM file: the reference of the import target. */
  readonly emptyMs: number;
  readonly emptyToNode: number;
  readonly deployed: readonly DeployedFigure[];
  readonly esbuild: readonly BundledFigure[];
  readonly nft: readonly BundledFigure[];
  readonly coldStart: readonly ColdStartFigure[];
}

const importArgs = (file: string): string[] => [
  "--input-type=module",
  "-e",
  `await import(${JSON.stringify(pathToFileURL(file).href)})`,
];

const kib = (bytes: number): number => round(bytes / 1024, 1);

/** What a cold child answers: one delivery as the platform would hand it over, and the secret to verify it. */
interface ColdDelivery {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly env: Record<string, string>;
}

/** A child that builds the Request first (the platform's work), then imports the function and answers. */
const coldArgs = (file: string, input: string): string[] => [
  "--input-type=module",
  "-e",
  [
    `import { readFileSync } from "node:fs";`,
    `const { url, headers, body, env } = JSON.parse(readFileSync(${JSON.stringify(input)}, "utf8"));`,
    `Object.assign(process.env, env);`,
    `const req = new Request(url, { method: "POST", body, headers });`,
    `new Response("warm");`,
    `const write = process.stdout.write; process.stdout.write = () => true;`,
    `const fn = (await import(${JSON.stringify(pathToFileURL(file).href)})).default;`,
    `const res = await fn(req); const text = await res.text();`,
    `process.stdout.write = write;`,
    `if (res.status !== 200 || !text.includes("ignored")) { console.error(res.status, text); process.exit(1); }`,
  ].join("\n"),
];

/** A child that imports the deployed sweep and runs one sweep against the store NETLIFY_BLOBS_CONTEXT names. */
const sweepColdArgs = (file: string): string[] => [
  "--input-type=module",
  "-e",
  [
    `const write = process.stdout.write; process.stdout.write = () => true;`,
    `const fn = (await import(${JSON.stringify(pathToFileURL(file).href)})).default;`,
    `const res = await fn(new Request("http://localhost/.netlify/functions/sweep", { method: "POST" }));`,
    `const text = await res.text();`,
    `process.stdout.write = write;`,
    `if (res.status !== 200 || !text.includes('"swept"')) { console.error(res.status, text); process.exit(1); }`,
  ].join("\n"),
];

/**
 * A local Netlify Blobs server in its own process (the bench waits on its children synchronously, so it
 * could not answer from this one), and the environment a function needs to reach it.
 */
const startBlobsProcess = async (): Promise<{ env: Record<string, string>; stop: () => Promise<void> }> => {
  const directory = await mkdtemp(join(tmpdir(), "vigie-bench-blobs-"));
  const token = "vigie-bench-token";
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { BlobsServer } from "@netlify/blobs/server";
       const server = new BlobsServer({ directory: ${JSON.stringify(directory)}, token: ${JSON.stringify(token)} });
       const { port } = await server.start();
       console.log(port);`,
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  const port = await new Promise<number>((resolvePort, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the Blobs server exited ${code}`)));
    child.stdout.once("data", (data: Buffer) => resolvePort(Number(String(data).trim())));
  });
  const url = `http://127.0.0.1:${port}`;
  const context = { edgeURL: url, uncachedEdgeURL: url, siteID: "vigie-bench", token };
  return {
    env: {
      NETLIFY_BLOBS_CONTEXT: Buffer.from(JSON.stringify(context)).toString("base64"),
      // Checked before a sweep runs (a sweep sends); with nothing due, never called.
      SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T000/B000/vigiebench",
    },
    stop: async () => {
      child.removeAllListeners("exit");
      child.kill();
      await rm(directory, { recursive: true, force: true });
    },
  };
};

export const measureImports = async (
  bundles: { deployed: DeployedFunction[]; esbuild: BundledFunction[]; nft: BundledFunction[] },
  options: { rounds?: number } = {},
): Promise<BundleResult> => {
  const rounds = options.rounds ?? 30;
  const empty = join(DIST, "empty.mjs");
  writeFileSync(empty, "export default 1;\n");
  const hello = join(DIST, "hello.mjs");
  writeFileSync(hello, 'export default async () => new Response(\'{"status":"ignored"}\');\n');
  // One ignored delivery per route: a cancelled run for GitHub, a "Deploy started" for Netlify (validated,
  // then ignored by the cancel rules). Neither needs the store.
  const secret = "vigie-bench-cold-secret";
  const githubBody = JSON.stringify(failedRunPayload({ repo: "acme/site-1", conclusion: "cancelled" }));
  const netlifyDeployBody = netlifyBody(netlifyDeploy({ state: "building" }));
  const deliveries: Record<string, ColdDelivery> = {
    github: {
      url: "http://localhost/webhooks/github",
      headers: {
        "content-type": "application/json",
        "x-github-event": "workflow_run",
        "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "x-hub-signature-256": await signGithub(secret, githubBody),
      },
      body: githubBody,
      env: { GITHUB_WEBHOOK_SECRET: secret },
    },
    netlify: {
      url: "http://localhost/webhooks/netlify",
      headers: {
        "content-type": "application/json",
        "x-netlify-event": "deploy_building",
        "x-webhook-signature": await signNetlify(secret, netlifyDeployBody),
      },
      body: netlifyDeployBody,
      env: { NETLIFY_WEBHOOK_SECRET: secret },
    },
  };
  const inputs = Object.fromEntries(
    Object.entries(deliveries).map(([name, delivery]) => {
      const file = join(DIST, `cold-${name}.json`);
      writeFileSync(file, JSON.stringify(delivery));
      return [name, file];
    }),
  );
  const coldRoutes = bundles.deployed.filter((b) => inputs[b.name] !== undefined);
  const sweep = bundles.deployed.find((b) => b.name === "sweep");
  const blobs = sweep ? await startBlobsProcess() : null;

  const commands: Command[] = [
    { key: "base", args: ["-e", "0"] },
    { key: "empty", args: importArgs(empty) },
    ...bundles.deployed.map((b) => ({ key: `deployed:${b.name}`, args: importArgs(b.file) })),
    ...bundles.esbuild.map((b) => ({ key: `esbuild:${b.name}`, args: importArgs(b.file) })),
    ...bundles.nft.map((b) => ({ key: `nft:${b.name}`, args: importArgs(b.file) })),
    { key: "cold:hello", args: coldArgs(hello, inputs.github as string) },
    ...coldRoutes.map((b) => ({ key: `cold:${b.name}`, args: coldArgs(b.file, inputs[b.name] as string) })),
    ...(sweep ? [{ key: "cold:sweep", args: sweepColdArgs(sweep.file), env: blobs?.env }] : []),
  ];
  let timings: Map<string, Timing>;
  try {
    timings = measureSpawns(commands, rounds);
  } finally {
    await blobs?.stop();
  }
  const reference = (key: string) => {
    const timing = timings.get(key) as Timing;
    return { wall: median(timing.wallMs), cpu: timing.runs > 0 ? timing.cpuMs / timing.runs : 0 };
  };
  const base = reference("base");
  const emptyRef = reference("empty");
  const figure = (key: string) => {
    const { wall, cpu } = reference(key);
    return {
      importMs: round(wall, 1),
      ratio: round(wall / emptyRef.wall, 3),
      ratioToNode: round(wall / base.wall, 3),
      cpuRatio: emptyRef.cpu > 0 ? round(cpu / emptyRef.cpu, 3) : null,
    };
  };
  const bundledFigure = (kind: "esbuild" | "nft") => (b: BundledFunction) => ({
    name: b.name,
    kib: kib(b.bytes),
    inputsKib: Object.fromEntries(Object.entries(b.inputs).map(([k, v]) => [k, kib(v)])),
    ...figure(`${kind}:${b.name}`),
  });
  return {
    rounds,
    baseMs: round(base.wall, 1),
    emptyMs: round(emptyRef.wall, 1),
    emptyToNode: round(emptyRef.wall / base.wall, 3),
    deployed: bundles.deployed.map((b) => ({
      name: b.name,
      kib: kib(b.bytes),
      zipKib: kib(b.zipBytes),
      bundler: b.bundler,
      runtimeVersion: b.runtimeVersion,
      route: b.route,
      schedule: b.schedule,
      ...figure(`deployed:${b.name}`),
    })),
    esbuild: bundles.esbuild.map(bundledFigure("esbuild")),
    nft: bundles.nft.map(bundledFigure("nft")),
    coldStart: ["hello", ...coldRoutes.map((b) => b.name), ...(sweep ? ["sweep"] : [])].map((name) => {
      const { wall, cpu } = reference(`cold:${name}`);
      return {
        name,
        ms: round(wall, 1),
        ratio: round(wall / base.wall, 3),
        cpuRatio: base.cpu > 0 ? round(cpu / base.cpu, 3) : null,
      };
    }),
  };
};
