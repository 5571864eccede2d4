/**
 * `npm run build` (Netlify's build command, netlify.toml `[build] command`): bundles every
 * `netlify/functions/*.mts` into one minified ESM file, `dist/functions/<name>.mjs`, which netlify.toml
 * deploys as is (`node_bundler = "none"`). Why and how it is measured: BENCHMARKS.md, "Deployed functions".
 *
 * Without this step Netlify bundles v2 functions with its NFT bundler whatever `node_bundler` says
 * (@netlify/zip-it-and-ship-it, dist/runtimes/node/bundlers/index.js `getBundlerName`: "For V2 functions, we
 * force the bundler to NFT. The only exception is when a `none` override was provided"), which ships every
 * package file by file: `zod/mini` then loads all of zod's core and its ≈ 50 locale files at each cold start.
 *
 * What the bundle must keep: Netlify reads `export default` and `export const config` (path, schedule) by
 * parsing the deployed file itself (zip-it-and-ship-it in_source_config/index.js `parseSource`, which follows
 * `export { x as config }` to the object `x` is bound to), so each bundle keeps both exports.
 * test/unit/build-functions.test.ts checks that with that same parser and by importing each bundle.
 */
import { readdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const FUNCTIONS_SOURCE = join(ROOT, "netlify", "functions");
export const FUNCTIONS_DIST = join(ROOT, "dist", "functions");

/**
 * esbuild turns a CommonJS package's `require("node:os")` into a helper that throws in an ESM bundle unless
 * `require` exists (@slack/webhook is CommonJS and does that). zip-it-and-ship-it's esbuild bundler adds the
 * same kind of banner (utils/esm_cjs_compat.js); we need `require` only.
 */
const REQUIRE_SHIM =
  'import{createRequire as __vigieCreateRequire}from"node:module";' +
  "const require=__vigieCreateRequire(import.meta.url);";

/** zod's messages in other languages: never imported by vigie; the build fails if one gets in. */
const ZOD_LOCALE = /node_modules\/zod\/v4\/locales\/(?!index\.js$)[^/]+$/;

export interface BuiltFunction {
  readonly name: string;
  /** Absolute path of the bundle. */
  readonly file: string;
  readonly bytes: number;
  readonly metafile: Metafile;
}

/** Every `*.mts` in netlify/functions (a new function is built with no change here). */
export const functionSources = (dir = FUNCTIONS_SOURCE): string[] =>
  readdirSync(dir)
    .filter((file) => file.endsWith(".mts"))
    .sort()
    .map((file) => join(dir, file));

/** Builds every function into `outdir` (emptied first); throws on any esbuild error or a zod locale. */
export const buildFunctions = async (
  options: { sourceDir?: string; outdir?: string } = {},
): Promise<BuiltFunction[]> => {
  const sources = functionSources(options.sourceDir);
  const outdir = options.outdir ?? FUNCTIONS_DIST;
  if (sources.length === 0) throw new Error(`no *.mts function in ${options.sourceDir ?? FUNCTIONS_SOURCE}`);
  await rm(outdir, { recursive: true, force: true });
  const built: BuiltFunction[] = [];
  // One build per function: each bundle holds exactly what its function reaches, and nothing is shared
  // between files (with `node_bundler = "none"` Netlify zips the entry file alone).
  for (const entry of sources) {
    const name = basename(entry, ".mts");
    const result = await build({
      absWorkingDir: ROOT,
      banner: { js: REQUIRE_SHIM },
      bundle: true,
      entryPoints: [entry],
      format: "esm",
      legalComments: "none",
      logLevel: "warning",
      metafile: true,
      minify: true,
      outExtension: { ".js": ".mjs" },
      outdir,
      platform: "node",
      // The deployed runtime is Node 22 (netlify.toml NODE_VERSION); tests import the bundles on Node 20, which
      // runs the same syntax.
      target: ["node22"],
      treeShaking: true,
    });
    const file = join(outdir, `${name}.mjs`);
    const output = result.metafile.outputs[relative(ROOT, file)];
    if (output === undefined) throw new Error(`esbuild wrote no ${relative(ROOT, file)}`);
    const locales = Object.keys(output.inputs).filter((input) => ZOD_LOCALE.test(input));
    if (locales.length > 0)
      throw new Error(`${name}: zod locales got into the bundle: ${locales.join(", ")}`);
    built.push({ name, file, bytes: output.bytes, metafile: result.metafile });
  }
  return built;
};

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const built = await buildFunctions();
  for (const fn of built) {
    console.log(`built ${relative(ROOT, fn.file)} (${(fn.bytes / 1024).toFixed(1)} KiB)`);
  }
}
