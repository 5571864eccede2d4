/**
 * The deploy build (scripts/build-functions.ts, run by Netlify as netlify.toml's build command): every function
 * in netlify/functions becomes one self-contained bundle that Netlify deploys as is and still recognises as the
 * same v2 function (its route or schedule), and netlify.toml deploys exactly that. Not timed: BENCHMARKS.md
 * measures the bundles.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { resolveConfig } from "@netlify/config";
import { listFunctions } from "@netlify/zip-it-and-ship-it";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BuiltFunction,
  buildFunctions,
  functionSources,
  watchFunctions,
} from "../../../scripts/build-functions.ts";

const ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const run = promisify(execFile);

/** What a new Node process sees when it imports a bundle: its exports, nothing resolved from node_modules. */
const importInFreshNode = async (file: string, cwd: string) => {
  const script =
    `const m = await import(${JSON.stringify(pathToFileURL(file).href)});` +
    "console.log(JSON.stringify({ exports: Object.keys(m).sort(), defaultType: typeof m.default, config: m.config }));";
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd });
  return JSON.parse(stdout) as { exports: string[]; defaultType: string; config: unknown };
};

describe("npm run build (the deployed functions)", () => {
  let outdir: string;
  let built: BuiltFunction[];

  beforeAll(async () => {
    outdir = join(await mkdtemp(join(tmpdir(), "vigie-build-")), "functions");
    built = await buildFunctions({ outdir });
  });
  afterAll(async () => {
    await rm(dirname(outdir), { recursive: true, force: true });
  });

  it("builds one .mjs file per netlify/functions/*.mts, and nothing else", async () => {
    const names = functionSources().map((file) => basename(file, ".mts"));
    expect(names).toEqual(expect.arrayContaining(["github", "netlify", "sweep"]));
    expect(built.map((fn) => fn.name)).toEqual(names);
    expect((await readdir(outdir)).sort()).toEqual(names.map((name) => `${name}.mjs`));
    expect((await readdir(join(dirname(outdir), "chunks"))).sort()).toEqual(names);
  });

  it("makes self-contained bundles: every package inside, only Node built-ins left to import", () => {
    for (const fn of built) {
      const outputs = Object.values(fn.metafile.outputs);
      const external = outputs.flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
      expect(
        external.every((path) => path.startsWith("node:") || !path.includes("/")),
        fn.name,
      ).toBe(true);
      const inputs = outputs.flatMap((o) => Object.keys(o.inputs));
      expect(
        inputs.some((input) => input.includes("node_modules/zod/")),
        fn.name,
      ).toBe(true);
    }
  });

  it("bundles no devDependency: what the tests use (jose signs their Netlify tokens) never ships", () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      devDependencies: Record<string, string>;
    };
    const devOnly = Object.keys(manifest.devDependencies);
    expect(devOnly).toContain("jose");
    for (const fn of built) {
      const inputs = Object.values(fn.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
      const shipped = devOnly.filter((name) =>
        inputs.some((input) => input.includes(`node_modules/${name}/`)),
      );
      expect(shipped, fn.name).toEqual([]);
    }
  });

  it("splits what loads at first use into the function's chunks: the pipeline and Slack stay out of the import", () => {
    // Every function, the scheduled sweep too: it loads its steps and the pipeline when it runs, as the
    // webhook functions load the pipeline at their first delivery that needs it.
    for (const fn of built) {
      expect(fn.chunks.length, fn.name).toBeGreaterThan(0);
      for (const chunk of fn.chunks)
        expect(chunk.startsWith(join(dirname(outdir), "chunks", fn.name)), fn.name).toBe(true);
      // What a cold start parses is a fraction of the function (the rest waits for a delivery that needs it).
      expect(fn.importBytes, fn.name).toBeLessThan(fn.totalBytes / 2);
      expect(fn.metafile.outputs[relative(ROOT, fn.file)], fn.name).toBeDefined();
      const statically = new Set<string>();
      const visit = (path: string) => {
        const output = fn.metafile.outputs[path];
        for (const input of Object.keys(output?.inputs ?? {})) statically.add(input);
        for (const i of output?.imports ?? [])
          if (i.kind === "import-statement" && !i.external) visit(i.path);
      };
      visit(relative(ROOT, fn.file));
      const imported = (part: string) => [...statically].some((input) => input.includes(part));
      expect(imported("src/pipeline/pipeline.ts"), fn.name).toBe(false);
      expect(imported("src/pipeline/sweep.ts"), fn.name).toBe(false);
      expect(imported("src/slack/format.ts"), fn.name).toBe(false);
      expect(imported("node_modules/@slack/"), fn.name).toBe(false);
      expect(imported("node_modules/@netlify/blobs/"), fn.name).toBe(false);
    }
  });

  it("never imports a package with import(): a CommonJS one would lose its named exports in a split bundle", async () => {
    const files = (await readdir(join(ROOT, "src"), { recursive: true })).filter((f) => f.endsWith(".ts"));
    const offenders: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(ROOT, "src", file), "utf8");
      if (/(?<!typeof )\bimport\(\s*["'](?![./])/.test(text)) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });

  it("keeps each function's default export and config, imported by a fresh Node process away from node_modules", async () => {
    for (const fn of built) {
      const source = (await import(
        pathToFileURL(join(ROOT, "netlify", "functions", `${fn.name}.mts`)).href
      )) as {
        config: unknown;
      };
      const seen = await importInFreshNode(fn.file, tmpdir());
      expect(seen.exports, fn.name).toEqual(["config", "default"]);
      expect(seen.defaultType, fn.name).toBe("function");
      expect(seen.config, fn.name).toEqual(source.config);
    }
  });

  it("is still read by Netlify's own parser as v2 functions with their routes and schedule", async () => {
    // zip-it-and-ship-it is what `netlify build` / `netlify deploy --build` package functions with; with
    // `node_bundler = "none"` it parses the bundle itself to find the routes and the schedule.
    const listed = await listFunctions(outdir, { parseISC: true, config: { "*": { nodeBundler: "none" } } });
    const byName = new Map(listed.map((fn) => [fn.name, fn]));
    expect(byName.get("github")?.runtimeAPIVersion).toBe(2);
    expect(byName.get("github")?.routes?.map((route) => route.pattern)).toEqual(["/webhooks/github"]);
    expect(byName.get("netlify")?.routes?.map((route) => route.pattern)).toEqual(["/webhooks/netlify"]);
    expect(byName.get("sweep")?.schedule).toBe("* * * * *");
    for (const fn of built) {
      const { config } = (await import(
        pathToFileURL(join(ROOT, "netlify", "functions", `${fn.name}.mts`)).href
      )) as {
        config: { path?: string | string[]; schedule?: string };
      };
      const listedFn = byName.get(fn.name);
      expect(listedFn?.runtimeAPIVersion, fn.name).toBe(2);
      expect(listedFn?.mainFile, fn.name).toBe(fn.file);
      expect(listedFn?.routes?.map((route) => route.pattern) ?? [], fn.name).toEqual(
        config.path === undefined ? [] : [config.path].flat(),
      );
      expect(listedFn?.schedule, fn.name).toBe(config.schedule);
    }
  });
});

describe("a bundle of a CommonJS package that requires a Node built-in", () => {
  it("runs: `require` works inside the ESM bundle (@slack/webhook requires node:os)", async () => {
    const outdir = join(await mkdtemp(join(tmpdir(), "vigie-build-probe-")), "functions");
    try {
      const [probe] = await buildFunctions({ sourceDir: join(ROOT, "test", "fixtures", "build"), outdir });
      const script =
        `const { default: probe } = await import(${JSON.stringify(pathToFileURL(probe?.file ?? "").href)});` +
        "console.log(await (await probe()).text());";
      const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
        cwd: tmpdir(),
      });
      expect(stdout.trim()).toBe("function");
    } finally {
      await rm(dirname(outdir), { recursive: true, force: true });
    }
  });
});

/** Every function ships its own chunks, and only them: `[functions.<name>] included_files`. */
const expectChunksShipped = (config: { functions?: Record<string, { included_files?: string[] }> }) => {
  for (const source of functionSources()) {
    const name = basename(source, ".mts");
    expect(config.functions?.[name]?.included_files, name).toEqual([`dist/chunks/${name}/**`]);
  }
};

describe("netlify.toml", () => {
  const resolved = async (context: string) =>
    (await resolveConfig({ cwd: ROOT, repositoryRoot: ROOT, context, offline: true })).config;

  it.each(["production", "deploy-preview", "branch-deploy"])(
    "deploys the build's bundles as they are in the %s context, on Node 22",
    async (context) => {
      const config = await resolved(context);
      expect(config.build.command).toBe("npm run build");
      expect(config.build.functions).toBe(join(ROOT, "dist", "functions"));
      expect(config.functions?.["*"]?.node_bundler).toBe("none");
      expect(config.build.environment?.NODE_VERSION).toBe("22");
      expectChunksShipped(config);
    },
  );

  it("serves the same bundles locally (`netlify functions:serve` runs in the dev context)", async () => {
    // Built from the sources by `npm start` and the integration harness (watchFunctions, buildFunctions).
    const config = await resolved("dev");
    expect(config.build.functions).toBe(join(ROOT, "dist", "functions"));
    expect(config.functions?.["*"]?.node_bundler).toBe("none");
    expectChunksShipped(config);
  });

  it("watchFunctions builds with source maps, then rebuilds a function when a source it imports changes", async () => {
    const root = await mkdtemp(join(tmpdir(), "vigie-watch-"));
    try {
      await mkdir(join(root, "netlify", "functions"), { recursive: true });
      await writeFile(
        join(root, "netlify", "functions", "probe.mts"),
        'import { word } from "./word.ts";\nexport default () => new Response(word);\nexport const config = { path: "/probe" };\n',
      );
      await writeFile(join(root, "netlify", "functions", "word.ts"), 'export const word = "first";\n');
      const rebuilt: string[] = [];
      const stop = await watchFunctions({
        root,
        onRebuild: (name, error) => rebuilt.push(`${name}:${error}`),
      });
      try {
        const bundle = join(root, "dist", "functions", "probe.mjs");
        expect(readFileSync(bundle, "utf8")).toContain("first");
        expect(existsSync(`${bundle}.map`)).toBe(true);
        await writeFile(join(root, "netlify", "functions", "word.ts"), 'export const word = "second";\n');
        const done = () => readFileSync(bundle, "utf8").includes("second") && rebuilt.length > 0;
        // esbuild's watcher polls (a change is seen within a few seconds, longer on a loaded machine).
        for (let i = 0; i < 500 && !done(); i++) {
          await new Promise((done) => setTimeout(done, 50));
        }
        expect(readFileSync(bundle, "utf8")).toContain("second");
        expect(rebuilt).toContain("probe:null");
      } finally {
        await stop();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});
