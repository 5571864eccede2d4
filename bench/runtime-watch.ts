import { readdir, readFile } from "node:fs/promises";

/**
 * `functions:serve` runs each invocation in a new worker thread (netlify-cli
 * dist/lib/functions/runtimes/js/index.js), which lives on for a while after its answer, hello-world's
 * too: under the theme update's load the first run held 751 threads and 14 GB. The machine is shared, so
 * the storm simulator pauses sending while the runtime holds more than this, and reports the pauses.
 */
export const RUNTIME_MEMORY_LIMIT_BYTES = 8 * 2 ** 30;

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** The `functions:serve` process (found by its port in /proc, Linux only): its memory and threads, sampled. */
export interface RuntimeWatch {
  readonly peakRssBytes: number;
  readonly peakThreads: number;
  /** Time spent not sending because the runtime held more than RUNTIME_MEMORY_LIMIT_BYTES, ms. */
  readonly pausedMs: number;
  rssBytes(): number;
  threads(): number;
  waitForMemory(): Promise<void>;
  stop(): void;
}

export const watchRuntime = async (port: number): Promise<RuntimeWatch> => {
  let pid: string | null = null;
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).split("\0");
    if (args.includes("functions:serve") && args[args.indexOf("--port") + 1] === String(port)) pid = entry;
  }
  let rss = 0;
  let threads = 0;
  let pausedSince: number | null = null;
  const watch = {
    peakRssBytes: 0,
    peakThreads: 0,
    pausedMs: 0,
    rssBytes: () => rss,
    threads: () => threads,
    waitForMemory: async () => {
      if (rss <= RUNTIME_MEMORY_LIMIT_BYTES) return;
      pausedSince ??= performance.now();
      while (rss > RUNTIME_MEMORY_LIMIT_BYTES) await sleep(250);
      // The first worker to go on counts the pause, once.
      if (pausedSince !== null) watch.pausedMs += performance.now() - pausedSince;
      pausedSince = null;
    },
    stop: () => clearInterval(timer),
  };
  const sample = async () => {
    if (pid === null) return;
    const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    threads = Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? 0);
    watch.peakRssBytes = Math.max(watch.peakRssBytes, rss);
    watch.peakThreads = Math.max(watch.peakThreads, threads);
  };
  const timer = setInterval(() => void sample(), 250);
  await sample();
  return watch;
};
