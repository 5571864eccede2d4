/**
 * `npm run build` (Netlify's build command, netlify.toml `[build] command`): bundles every
 * `netlify/functions/*.mts` into one minified ESM entry file, `dist/functions/<name>.mjs`, and the chunks it
 * loads at first use, `dist/chunks/<name>/*.mjs`, which netlify.toml deploys as they are
 * (`node_bundler = "none"`, `included_files` for the chunks). Why, and how it is measured: bench/bundle.ts.
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
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build, context, type Metafile } from "esbuild";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const FUNCTIONS_SOURCE = join(ROOT, "netlify", "functions");

/**
 * esbuild turns a CommonJS package's `require("node:os")` into a helper that throws in an ESM bundle unless
 * `require` exists (@slack/webhook is CommonJS and does that). zip-it-and-ship-it's esbuild bundler adds the
 * same kind of banner (utils/esm_cjs_compat.js); we need `require` only. Made at its first call: the first
 * `createRequire` of a process costs ≈ 0.4 ms, and the entry and its static chunks (what an ignored delivery
 * loads) never require anything.
 */
const REQUIRE_SHIM =
  'import{createRequire as __vigieCreateRequire}from"node:module";' +
  "let __vigieRequire;" +
  "function require(id){return(__vigieRequire??=__vigieCreateRequire(import.meta.url))(id)}";

/** zod's messages in other languages: never imported by vigie; the build fails if one gets in. */
const ZOD_LOCALE = /node_modules\/zod\/v4\/locales\/(?!index\.js$)[^/]+$/;

export interface BuiltFunction {
  readonly name: string;
  /** Absolute path of the bundle (the function's entry file). */
  readonly file: string;
  /** The entry file's size. */
  readonly bytes: number;
  /** The entry file and the chunks it imports statically: what a cold start loads. */
  readonly importBytes: number;
  /** Every file of the function: the entry and all its chunks, lazy ones included. */
  readonly totalBytes: number;
  /** Its chunks (absolute paths), under `<dist>/chunks/<name>/`. */
  readonly chunks: readonly string[];
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

/**
 * One function's build. Code splitting: what the function reaches only through `import()` (the pipeline,
 * the Slack senders, @slack/web-api, Netlify Blobs, the jobs lookup) goes to chunks loaded at first use, in
 * `<dist>/chunks/<name>/`, so a cold start parses only what an ignored delivery needs (BENCHMARKS.md,
 * "Import as deployed"). netlify.toml's `included_files` ships the chunks with the functions.
 */
const esbuildOptions = (root: string, entry: string, outdir: string, sourcemap: boolean): BuildOptions => {
  const name = basename(entry, ".mts");
  return {
    absWorkingDir: root,
    banner: { js: REQUIRE_SHIM },
    bundle: true,
    chunkNames: `chunks/${name}/[name]-[hash]`,
    entryNames: `${basename(outdir)}/[name]`,
    entryPoints: [entry],
    format: "esm",
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
    minify: true,
    outExtension: { ".js": ".mjs" },
    outdir: dirname(outdir),
    platform: "node",
    ...(sourcemap ? { sourcemap: "linked" as const } : {}),
    splitting: true,
    target: ["node22"],
    treeShaking: true,
  };
};

/** Checks one function's outputs (no zod locale anywhere) and measures them. */
const describeOutput = (root: string, outdir: string, name: string, metafile: Metafile): BuiltFunction => {
  const file = join(outdir, `${name}.mjs`);
  const outputs = metafile.outputs;
  const entry = outputs[relative(root, file)];
  if (entry === undefined) throw new Error(`esbuild wrote no ${relative(root, file)}`);
  for (const [path, output] of Object.entries(outputs)) {
    const locales = Object.keys(output.inputs).filter((input) => ZOD_LOCALE.test(input));
    if (locales.length > 0) throw new Error(`${name}: zod locales got into ${path}: ${locales.join(", ")}`);
  }
  const code = Object.keys(outputs).filter((path) => path.endsWith(".mjs"));
  // What an import loads: the entry and, transitively, the chunks it imports statically.
  const loaded = new Set<string>();
  const visit = (path: string) => {
    if (loaded.has(path)) return;
    loaded.add(path);
    for (const imported of outputs[path]?.imports ?? []) {
      if (imported.kind === "import-statement" && !imported.external) visit(imported.path);
    }
  };
  visit(relative(root, file));
  const size = (paths: Iterable<string>) =>
    [...paths].reduce((sum, path) => sum + (outputs[path]?.bytes ?? 0), 0);
  return {
    name,
    file,
    bytes: entry.bytes,
    importBytes: size(loaded),
    totalBytes: size(code),
    chunks: code.filter((path) => path !== relative(root, file)).map((path) => join(root, path)),
    metafile,
  };
};

/** The chunks of every function, beside the functions directory (`dist/chunks` for `dist/functions`). */
export const chunksDir = (outdir: string): string => join(dirname(outdir), "chunks");

/** Builds every function into `outdir` (emptied first, with its chunks); throws on any esbuild error or a zod locale. */
export const buildFunctions = async (options: BuildFunctionsOptions = {}): Promise<BuiltFunction[]> => {
  const root = options.root ?? ROOT;
  const sourceDir = options.sourceDir ?? join(root, "netlify", "functions");
  const outdir = options.outdir ?? join(root, "dist", "functions");
  const sources = functionSources(sourceDir);
  if (sources.length === 0) throw new Error(`no *.mts function in ${sourceDir}`);
  await rm(outdir, { recursive: true, force: true });
  await rm(chunksDir(outdir), { recursive: true, force: true });
  const built: BuiltFunction[] = [];
  for (const entry of sources) {
    const name = basename(entry, ".mts");
    const result = await build(esbuildOptions(root, entry, outdir, options.sourcemap ?? false));
    built.push(describeOutput(root, outdir, name, result.metafile as Metafile));
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
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
    console.log(
      `built ${relative(ROOT, fn.file)} (${kib(fn.bytes)}; loaded at import ${kib(fn.importBytes)}, ` +
        `with its ${fn.chunks.length} chunks ${kib(fn.totalBytes)})`,
    );
  }
}
