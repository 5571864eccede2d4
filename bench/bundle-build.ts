/**
 * The functions built for the cold-start figures (bench/bundle.ts measures them): as deployed, and as
 * Netlify's own bundlers would have made them.
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
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Metafile, type Plugin } from "esbuild";
import extractZip from "extract-zip";
import { invariant } from "./stats.ts";

export const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
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
