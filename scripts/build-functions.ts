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
import { type BuildOptions, build, context, type Metafile } from "esbuild";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const FUNCTIONS_SOURCE = join(ROOT, "netlify", "functions");

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

export interface BuildFunctionsOptions {
  /** The project: `<root>/netlify/functions/*.mts` in, `<root>/dist/functions/*.mjs` out. Default: this one. */
  readonly root?: string;
  /** Default `<root>/netlify/functions`. */
  readonly sourceDir?: string;
  /** Default `<root>/dist/functions`. */
  readonly outdir?: string;
  /**
   * Linked source maps (`<name>.mjs.map`), for the local runtime: its workers install source-map-support, so
   * a stack trace names `src/…` lines. The deploy build has none (nothing reads them on Netlify).
   */
  readonly sourcemap?: boolean;
}

const esbuildOptions = (root: string, entry: string, outdir: string, sourcemap: boolean): BuildOptions => ({
  absWorkingDir: root,
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
  ...(sourcemap ? { sourcemap: "linked" as const } : {}),
  target: ["node22"],
  treeShaking: true,
});

/** Throws if a zod locale got into `name`'s bundle; returns its size. */
const checkOutput = (root: string, outdir: string, name: string, metafile: Metafile): number => {
  const file = join(outdir, `${name}.mjs`);
  const output = metafile.outputs[relative(root, file)];
  if (output === undefined) throw new Error(`esbuild wrote no ${relative(root, file)}`);
  const locales = Object.keys(output.inputs).filter((input) => ZOD_LOCALE.test(input));
  if (locales.length > 0) throw new Error(`${name}: zod locales got into the bundle: ${locales.join(", ")}`);
  return output.bytes;
};

/** Builds every function into `outdir` (emptied first); throws on any esbuild error or a zod locale. */
export const buildFunctions = async (options: BuildFunctionsOptions = {}): Promise<BuiltFunction[]> => {
  const root = options.root ?? ROOT;
  const sourceDir = options.sourceDir ?? join(root, "netlify", "functions");
  const outdir = options.outdir ?? join(root, "dist", "functions");
  const sources = functionSources(sourceDir);
  if (sources.length === 0) throw new Error(`no *.mts function in ${sourceDir}`);
  await rm(outdir, { recursive: true, force: true });
  const built: BuiltFunction[] = [];
  for (const entry of sources) {
    const name = basename(entry, ".mts");
    const result = await build(esbuildOptions(root, entry, outdir, options.sourcemap ?? false));
    const metafile = result.metafile as Metafile;
    const bytes = checkOutput(root, outdir, name, metafile);
    built.push({ name, file: join(outdir, `${name}.mjs`), bytes, metafile });
  }
  return built;
};

/**
 * `npm start`: builds every function, then rebuilds each one whenever a file it imports changes (esbuild's
 * watch mode); the local runtime sees the new bundle at its next request. Resolves with a function that
 * stops watching. A function added to netlify/functions needs a restart.
 */
export const watchFunctions = async (
  options: BuildFunctionsOptions & { readonly onRebuild?: (name: string, error: string | null) => void } = {},
): Promise<() => Promise<void>> => {
  const root = options.root ?? ROOT;
  const sourceDir = options.sourceDir ?? join(root, "netlify", "functions");
  const outdir = options.outdir ?? join(root, "dist", "functions");
  await buildFunctions({ root, sourceDir, outdir, sourcemap: options.sourcemap ?? true });
  const ready: Array<Promise<void>> = [];
  const contexts = await Promise.all(
    functionSources(sourceDir).map(async (entry) => {
      const name = basename(entry, ".mts");
      let first = true;
      let built = () => {};
      ready.push(new Promise<void>((done) => (built = done)));
      const reporter = {
        name: "vigie-rebuild",
        setup(builder: { onEnd(callback: (result: { errors: unknown[] }) => void): void }) {
          builder.onEnd((result) => {
            if (first) {
              first = false;
              built();
              return;
            }
            options.onRebuild?.(name, result.errors.length > 0 ? `${result.errors.length} error(s)` : null);
          });
        },
      };
      return context({
        ...esbuildOptions(root, entry, outdir, options.sourcemap ?? true),
        plugins: [reporter],
      });
    }),
  );
  await Promise.all(contexts.map((ctx) => ctx.watch()));
  // Watching starts with a build of its own: a change is reported only once that build is done.
  await Promise.all(ready);
  return async () => {
    await Promise.all(contexts.map((ctx) => ctx.dispose()));
  };
};

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const built = await buildFunctions();
  for (const fn of built) {
    console.log(`built ${relative(ROOT, fn.file)} (${(fn.bytes / 1024).toFixed(1)} KiB)`);
  }
}
