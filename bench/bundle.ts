/**
 * Cold starts: the functions as deployed, and as Netlify's own bundlers would have made them, their size, and
 * the time to import each in a new Node process, as a ratio to an empty ESM module imported the same way and to
 * a bare `node -e 0`, all spawned in the same rounds (interleaved, order rotated, medians compared: this
 * machine is shared and noisy).
 *
 * - cold start to the first answer: a new process imports the deployed github (netlify) function and answers
 *   one ignored delivery, a cancelled run (a "Deploy started"), the Request built before, as the platform
 *   builds it, against the same for a hello-world function: what vigie adds to a cold invocation, import and
 *   first request together. And the sweep's: a new process imports the deployed sweep and runs one sweep
 *   with nothing to do (the case of almost every minute) against a local BlobsServer
 *   (@netlify/blobs/server) in a process of its own, reached as on Netlify through NETLIFY_BLOBS_CONTEXT.
 *   The sweep loads its steps when it runs, so its import alone would leave that cost out; this counts it.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { failedRunPayload, signGithub } from "../samples/github.ts";
import { netlifyBody, netlifyDeploy, signNetlify } from "../samples/netlify.ts";
import { type BundledFunction, type DeployedFunction, DIST, ROOT } from "./bundle-build.ts";
import { median, round } from "./stats.ts";

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
