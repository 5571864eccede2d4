/**
 * `npm run bench -- board`: the board (GET /status) with 500 open episodes and 30 full days of history
 * (scripts/board-state.ts, LARGE: every day record at its bounds), read and rendered through the real
 * handler, on the in-memory store (the CPU cost), on the same store with 25 ms per call (a model of
 * Netlify Blobs' round trips: the reads' sequential waves), and on a local BlobsServer (real HTTP, but
 * sharing this machine's cores with the client). Also the sweep's history step over the same 500 episodes:
 * its first runs (each reads at most 100 new episodes) and a steady run (every episode already tracked).
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getStore } from "@netlify/blobs";
import { BlobsServer } from "@netlify/blobs/server";
import { LARGE, seedBoard } from "../scripts/board-state.ts";
import { loadConfig } from "../src/config.ts";
import { recordHistory } from "../src/history/record-history.ts";
import { memoryLogger } from "../src/log.ts";
import type { PipelineDeps } from "../src/pipeline/pipeline.ts";
import { scanStreams } from "../src/pipeline/sweep/scan.ts";
import { handleStatus } from "../src/status/handle-status.ts";
import { BlobsStore } from "../src/store/blobs-store.ts";
import { MemoryStore } from "../src/store/memory-store.ts";
import type { Store } from "../src/store/store.ts";
import { median, round } from "./stats.ts";

export interface BoardResult {
  readonly open: number;
  readonly historyDays: number;
  readonly htmlKib: number;
  readonly jsonKib: number;
  readonly memory: { readonly htmlMs: number; readonly jsonMs: number; readonly calls: MemoryStore["calls"] };
  readonly blobs: { readonly htmlMs: number; readonly jsonMs: number };
  readonly modelled: { readonly latencyMs: number; readonly htmlMs: number };
  readonly history: { readonly firstMs: number; readonly secondMs: number; readonly steadyMs: number };
}

const NOW = Date.parse("2026-11-27T15:00:00Z");
const TOKEN = "bench-board-token";
const env = {
  GITHUB_WEBHOOK_SECRET: "x",
  NETLIFY_WEBHOOK_SECRET: "x",
  SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T000/B000/XXX",
  VIGIE_STATUS_TOKEN: TOKEN,
};

/** A modelled Netlify Blobs: every call waits LATENCY_MS, as a round trip to the edge would. */
const LATENCY_MS = 25;
const withLatency = (store: Store): Store => {
  const wait = () => new Promise((done) => setTimeout(done, LATENCY_MS));
  return {
    get: (key) => wait().then(() => store.get(key)),
    read: (key) => wait().then(() => store.read(key)),
    set: (key, value, condition) => wait().then(() => store.set(key, value, condition)),
    delete: (key) => wait().then(() => store.delete(key)),
    list: (prefix) => wait().then(() => store.list(prefix)),
  };
};

const timeRequests = async (store: Store, accept: string, rounds: number) => {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const response = await handleStatus(
      new Request("https://vigie.example/status", { headers: { authorization: `Bearer ${TOKEN}`, accept } }),
      { env, log: memoryLogger().log, store: () => store, now: () => NOW },
    );
    const body = await response.text();
    times.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`the board answered ${response.status}`);
    bytes = body.length;
  }
  return { ms: round(median(times), 1), kib: round(bytes / 1024, 1) };
};

export const runBoard = async (): Promise<BoardResult> => {
  const memory = new MemoryStore();
  await seedBoard(memory, NOW, LARGE);
  const before = { ...memory.calls };
  await timeRequests(memory, "text/html", 1);
  const calls = {
    get: memory.calls.get - before.get,
    set: memory.calls.set - before.set,
    delete: memory.calls.delete - before.delete,
    list: memory.calls.list - before.list,
  };
  const memoryHtml = await timeRequests(memory, "text/html", 9);
  const memoryJson = await timeRequests(memory, "application/json", 9);
  const modelled = await timeRequests(withLatency(memory), "text/html", 5);

  const directory = await mkdtemp(join(tmpdir(), "vigie-bench-board-"));
  const token = randomUUID();
  const server = new BlobsServer({ directory, token });
  const { port } = await server.start();
  try {
    const blobs = new BlobsStore(
      getStore({
        name: "bench-board",
        siteID: "site",
        token,
        edgeURL: `http://127.0.0.1:${port}`,
        uncachedEdgeURL: `http://127.0.0.1:${port}`,
        consistency: "strong",
      }),
    );
    await seedBoard(blobs, NOW, LARGE);
    const blobsHtml = await timeRequests(blobs, "text/html", 5);
    const blobsJson = await timeRequests(blobs, "application/json", 5);
    /** The sweep's scan of the streams and its history step, at `now`. */
    const historyStep = async (now: number) => {
      const deps: PipelineDeps = {
        config: loadConfig({}),
        store: blobs,
        slack: { send: async () => ({ kind: "dry_run" }) },
        log: memoryLogger().log,
        now: () => now,
        sleep: async () => undefined,
        slackIntervalMs: 0,
        slackTimeoutMs: 5_000,
      };
      await recordHistory(deps, await scanStreams(deps, now + 25_000));
    };
    let started = performance.now();
    await historyStep(NOW);
    const firstMs = performance.now() - started;
    started = performance.now();
    await historyStep(NOW + 60_000);
    const secondMs = performance.now() - started;
    for (let minute = 2; minute < 5; minute++) await historyStep(NOW + minute * 60_000);
    started = performance.now();
    await historyStep(NOW + 5 * 60_000);
    const steadyMs = performance.now() - started;
    return {
      open: LARGE.open,
      historyDays: 30,
      htmlKib: memoryHtml.kib,
      jsonKib: memoryJson.kib,
      memory: { htmlMs: memoryHtml.ms, jsonMs: memoryJson.ms, calls },
      blobs: { htmlMs: blobsHtml.ms, jsonMs: blobsJson.ms },
      modelled: { latencyMs: LATENCY_MS, htmlMs: modelled.ms },
      history: { firstMs: round(firstMs, 0), secondMs: round(secondMs, 0), steadyMs: round(steadyMs, 0) },
    };
  } finally {
    await server.stop();
    await rm(directory, { recursive: true, force: true });
  }
};
