/**
 * `npm run bench -- why`: what an excerpt costs on a 20 MB GitHub job log (docs/architecture.md, "Why it
 * failed"). Three measures, each the median of a few runs, with the peak of heap + array buffers above the
 * level before (sampled every 2 ms):
 * - selectExcerpt on the whole 20 MB string (it reads its last 2 MiB only);
 * - fetchLogTail from a local server that honours `Range: bytes=-N` (2 MiB transferred);
 * - fetchLogTail from one that ignores it (20 MB streamed, the tail kept in bounded memory).
 * The lookup makes no store call of its own: the excerpt travels in the event the pipeline already writes.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fetchLogTail } from "../src/why/fetch-log.ts";
import { selectExcerpt } from "../src/why/select-excerpt.ts";
import { median, round } from "./stats.ts";

export interface WhyMeasure {
  readonly ms: number;
  readonly peakMiB: number;
  readonly bytesRead: number;
}

export interface WhyResult {
  readonly logMiB: number;
  readonly select: WhyMeasure;
  readonly ranged: WhyMeasure;
  readonly unranged: WhyMeasure;
  readonly excerptLines: number;
  readonly storeCalls: number;
}

const ROUNDS = 5;
const MIB = 1024 * 1024;

const githubLog = (megabytes: number): Buffer => {
  const line = `2026-12-07T10:00:00.0000000Z ${"npm verb reify adding a dependency to the tree, ".repeat(3)}\n`;
  const chatty = line.repeat(Math.ceil((megabytes * MIB) / line.length));
  const failed = [
    "##[group]Run hugo --minify",
    "##[endgroup]",
    "Start building sites … ",
    'ERROR render of "/posts/hello" failed: "/home/runner/work/site/site/layouts/_default/baseof.html:12:7": partial "partials/header" not found',
    "##[error]Process completed with exit code 1.",
  ]
    .map((text) => `2026-12-07T10:00:01.0000000Z ${text}\n`)
    .join("");
  return Buffer.from(`2026-12-07T10:00:00.0000000Z ##[group]Run npm ci\n${chatty}${failed}`);
};

const used = () => {
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.arrayBuffers;
};

/** Runs `task` ROUNDS times: median time, highest peak of memory above the level before it. */
const measure = async (task: () => Promise<number>): Promise<WhyMeasure> => {
  const times: number[] = [];
  let peak = 0;
  let bytesRead = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const base = used();
    let high = base;
    const sampler = setInterval(() => {
      high = Math.max(high, used());
    }, 2);
    const started = performance.now();
    bytesRead = await task();
    times.push(performance.now() - started);
    clearInterval(sampler);
    high = Math.max(high, used());
    peak = Math.max(peak, high - base);
  }
  return { ms: round(median(times), 1), peakMiB: round(peak / MIB, 1), bytesRead };
};

export const runWhy = async (): Promise<WhyResult> => {
  const log = githubLog(20);
  const text = log.toString("utf8");
  let ranges = true;
  const server = createServer((req, res) => {
    const suffix = /^bytes=-(\d+)$/.exec(req.headers.range ?? "");
    const body = ranges && suffix ? log.subarray(log.length - Number(suffix[1])) : log;
    res.writeHead(body.length < log.length ? 206 : 200, { "content-length": String(body.length) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/log`;
  const fetchTail = async () => {
    const fetched = await fetchLogTail({ url, credentials: {}, deadline: Date.now() + 30_000 });
    if (fetched.kind !== "ok") throw new Error(`log not read: ${fetched.problem}`);
    return selectExcerpt(fetched.text, { partialStart: !fetched.whole }) === null ? 0 : fetched.bytesRead;
  };
  try {
    let excerptLines = 0;
    const select = await measure(async () => {
      excerptLines = selectExcerpt(text)?.lines.length ?? 0;
      return text.length;
    });
    const ranged = await measure(fetchTail);
    ranges = false;
    const unranged = await measure(fetchTail);
    return { logMiB: round(log.length / MIB, 1), select, ranged, unranged, excerptLines, storeCalls: 0 };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
};

/** The lines bench/run.ts prints. */
export const whyLines = (why: WhyResult): string[] => [
  `Why it failed: the excerpt of a ${why.logMiB} MiB GitHub job log (${why.excerptLines} lines), medians of ${ROUNDS}; memory = peak heap + buffers above the level before`,
  `  selectExcerpt on the whole string: ${why.select.ms} ms, +${why.select.peakMiB} MiB`,
  `  fetch with Range (${round(why.ranged.bytesRead / MIB, 1)} MiB read) + excerpt: ${why.ranged.ms} ms, +${why.ranged.peakMiB} MiB`,
  `  fetch without Range (${round(why.unranged.bytesRead / MIB, 1)} MiB streamed, tail kept) + excerpt: ${why.unranged.ms} ms, +${why.unranged.peakMiB} MiB`,
  `  store calls added by the lookup: ${why.storeCalls}`,
];
