/**
 * How the storm simulator (bench/simulator.ts) sends: one request and its answer, and a pool that keeps N
 * in flight, pauses while the runtime holds too much memory, and says how far it got.
 */
import type { RuntimeWatch } from "./runtime-watch.ts";
import type { PlannedDelivery } from "./signed-delivery.ts";

export const PROGRESS_EVERY_MS = 15_000;

export interface Sent<D extends PlannedDelivery = PlannedDelivery> {
  readonly delivery: D;
  readonly ms: number;
  readonly status: number;
  /** `<status> <answer's "status" field>`, the runtime's own error, or "network error: …". */
  readonly answer: string;
  /** Date.now() when the request left and when its answer was read (the Slack stand-in's clock). */
  readonly sentAt: number;
  readonly answeredAt: number;
}

/** POSTs `delivery` (its body and headers as planned) to `url` and reads the answer; never throws. */
export const send = async <D extends PlannedDelivery>(url: string, delivery: D): Promise<Sent<D>> => {
  const sentAt = Date.now();
  const started = performance.now();
  let status = 0;
  let answer = "network error";
  try {
    const response = await fetch(url, { method: "POST", headers: delivery.headers, body: delivery.body });
    const text = await response.text();
    status = response.status;
    try {
      answer = `${status} ${String((JSON.parse(text) as { status?: unknown }).status ?? "")}`.trim();
    } catch {
      answer = `${status} ${text.split("\n", 1)[0]?.slice(0, 60) ?? ""}`.trim();
    }
  } catch (error) {
    answer = `network error: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { delivery, ms: performance.now() - started, status, answer, sentAt, answeredAt: Date.now() };
};

/** Sends every item, `concurrency` in flight, results in item order; progress every PROGRESS_EVERY_MS. */
export const pool = async <D extends PlannedDelivery>(
  items: readonly D[],
  url: (delivery: D) => string,
  options: { concurrency: number; runtime: RuntimeWatch; say: (line: string) => void },
): Promise<Array<Sent<D>>> => {
  const results: Array<Sent<D>> = [];
  let cursor = 0;
  let done = 0;
  const started = performance.now();
  const progress = setInterval(() => {
    const seconds = Math.round((performance.now() - started) / 1000);
    options.say(
      `  ${seconds} s: ${done}/${items.length} answered; runtime ${(options.runtime.rssBytes() / 2 ** 30).toFixed(1)} GiB, ` +
        `${options.runtime.threads()} threads`,
    );
  }, PROGRESS_EVERY_MS);
  const worker = async () => {
    for (;;) {
      await options.runtime.waitForMemory();
      const index = cursor++;
      const item = items[index];
      if (item === undefined) return;
      results[index] = await send(url(item), item);
      done++;
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    clearInterval(progress);
  }
  return results;
};
