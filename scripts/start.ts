/**
 * `npm start`: runs vigie's functions locally with Netlify's runtime (`netlify functions:serve --offline`,
 * which also serves a local Netlify Blobs store in .netlify/blobs-serve, kept across restarts).
 *
 * `netlify dev` is not used: it downloads Deno for edge functions, which a machine without internet cannot.
 * Scheduled functions never run by themselves locally, so this script runs the sweep every minute
 * (`POST /.netlify/functions/sweep`, as Netlify's scheduler would) unless VIGIE_LOCAL_SWEEP=false.
 * The runtime serves the functions as deployed, one bundle each (scripts/build-functions.ts), built here
 * and rebuilt whenever a source changes. Extra arguments go to the CLI: `npm start -- --debug`, except
 * `--blocks`: a dry run then also logs each message's Block Kit JSON (src/slack/send.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { connect } from "node:net";
import { constants } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { configBanner } from "../src/config/describe.ts";
import { parseVariable } from "../src/config/parse.ts";
import { parseConfig } from "../src/config.ts";
import { isDryRun } from "../src/status/dry-run.ts";
import { watchFunctions } from "./build-functions.ts";
import { loadDotEnv } from "./dotenv.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SWEEP_EVERY_MS = 60_000;

/** The netlify-cli of this project (devDependency), never a global one. */
const netlifyCli = (): string => {
  const packageJson = createRequire(join(ROOT, "package.json")).resolve("netlify-cli/package.json");
  const { bin } = JSON.parse(readFileSync(packageJson, "utf8")) as { bin: Record<string, string> };
  return join(dirname(packageJson), bin.netlify ?? "bin/run.js");
};

/** PORT is the one setting without which nothing can start. */
const parsePort = (): number => {
  const { value, problem } = parseVariable(process.env, "PORT");
  if (problem || value === undefined) {
    console.error(`vigie: PORT ${problem?.message ?? "is invalid"}`);
    process.exit(1);
  }
  return value;
};

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** Waits until the CLI accepts TCP connections (no request, so nothing in its log); false if it exited. */
const waitUntilListening = async (port: number, child: ChildProcess): Promise<boolean> => {
  const accepts = () =>
    new Promise<boolean>((done) => {
      const socket = connect({ port, host: "localhost" });
      socket.once("connect", () => {
        socket.destroy();
        done(true);
      });
      socket.once("error", () => done(false));
    });
  while (child.exitCode === null && child.signalCode === null) {
    if (await accepts()) return true;
    await sleep(500);
  }
  return false;
};

/** One scheduled run, as Netlify's scheduler makes it; problems are reported, never fatal. */
const sweepOnce = async (sweepUrl: string): Promise<void> => {
  try {
    // With this user agent the CLI answers "" on success instead of a help text about scheduled functions.
    const answer = await fetch(sweepUrl, {
      method: "POST",
      headers: { "user-agent": "Netlify Clockwork" },
      signal: AbortSignal.timeout(45_000),
    });
    if (!answer.ok) {
      // The CLI reports a function that threw or failed to build as an HTML page: keep its first lines.
      const text = (await answer.text())
        .replace(/<br\s*\/?>/gi, "\n")
        .replace(/<[^>]*>/g, "")
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&nbsp;/g, " ")
        .replace(/&amp;/g, "&")
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line.length > 0)
        .slice(0, 3)
        .join(" | ");
      console.error(`vigie: local sweep answered ${answer.status}: ${text}`);
    }
  } catch (error) {
    console.error(`vigie: local sweep failed: ${error instanceof Error ? error.message : String(error)}`);
  }
};

const main = async (): Promise<void> => {
  const envFile = join(ROOT, ".env");
  const loaded = loadDotEnv(envFile);
  const port = parsePort();
  const origin = `http://localhost:${port}`;
  const sweepUrl = `${origin}/.netlify/functions/sweep`;
  const localSweep = parseVariable(process.env, "VIGIE_LOCAL_SWEEP").value;
  const cliArgs = process.argv.slice(2).filter((arg) => arg !== "--blocks");
  if (cliArgs.length < process.argv.length - 2) process.env.VIGIE_DRY_RUN_BLOCKS = "true";
  const statusToken = parseVariable(process.env, "VIGIE_STATUS_TOKEN").value;

  const lines = [
    "",
    "vigie, running locally on Netlify's functions runtime",
    `  GitHub webhook    POST ${origin}/webhooks/github`,
    `  Netlify webhook   POST ${origin}/webhooks/netlify`,
    `  GitLab webhook    POST ${origin}/webhooks/gitlab`,
    `  Status board      ${origin}/status${statusToken === undefined ? " (off: set VIGIE_STATUS_TOKEN to open it)" : " (any user name, VIGIE_STATUS_TOKEN as password)"}`,
    `  Sweep             POST ${sweepUrl}`,
    localSweep
      ? "                    run by this script every 60 s (VIGIE_LOCAL_SWEEP=false turns that off)"
      : "                    not run automatically (VIGIE_LOCAL_SWEEP=false): POST it yourself",
    "  Functions         dist/functions and dist/chunks, built from netlify/functions and src (rebuilt on change)",
    "  Store             Netlify Blobs sandbox in .netlify/blobs-serve (kept across restarts)",
    `  Settings          ${loaded ? ".env, then the environment (the environment wins); restart after editing .env" : "the environment (no .env file: cp .env.example .env, then restart)"}`,
    "",
    ...configBanner(process.env),
    ...(isDryRun(parseConfig(process.env).routing)
      ? [
          "  Dry run           each message is printed here as a short block (npm start -- --blocks adds its Block Kit JSON)",
        ]
      : []),
    "",
  ];
  lines.push(`  Try               npm run send -- failure${port === 8888 ? "" : ` --port ${port}`}`, "");
  console.log(lines.join("\n"));

  // The local runtime serves the bundles (netlify.toml, context "dev"): build them first, then keep them
  // current. A failed rebuild keeps the previous bundle and says so; esbuild prints the error itself.
  let stopWatching: () => Promise<void>;
  try {
    stopWatching = await watchFunctions({
      onRebuild: (name, error) =>
        console.log(error === null ? `vigie: rebuilt ${name}` : `vigie: ${name} not rebuilt (${error})`),
    });
  } catch (error) {
    console.error(`vigie: could not build the functions: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }

  const child = spawn(
    process.execPath,
    [netlifyCli(), "functions:serve", "--offline", "--port", String(port), ...cliArgs],
    { cwd: ROOT, stdio: "inherit", env: process.env },
  );

  let timer: NodeJS.Timeout | null = null;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on("error", (error) => {
    console.error(`vigie: could not start netlify-cli: ${error.message}`);
    process.exit(1);
  });
  child.on("exit", async (code, signal) => {
    if (timer !== null) clearInterval(timer);
    await stopWatching();
    // A child ended by a signal exits like a shell reports it: 128 + the signal's number.
    process.exit(code ?? (signal === null ? 1 : 128 + (constants.signals[signal] ?? 0)));
  });

  if (localSweep) {
    void waitUntilListening(port, child).then((listening) => {
      if (!listening) return;
      timer = setInterval(() => void sweepOnce(sweepUrl), SWEEP_EVERY_MS);
    });
  }
};

await main();
