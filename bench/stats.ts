/**
 * Small statistics for the benchmarks. This machine is shared and noisy: every figure that is compared
 * is measured side by side (interleaved rounds) and compared through medians, which a few preempted
 * samples do not move.
 */

/** The q-quantile (0..1) of `values`, nearest rank. */
export const quantile = (values: readonly number[], q: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
};

export const median = (values: readonly number[]): number => quantile(values, 0.5);

export const round = (value: number, digits = 2): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

/** A figure against its target; `max` is the largest value that still meets it. */
export interface Target {
  readonly max: number;
  readonly met: boolean;
}

export const target = (value: number, max: number): Target => ({ max, met: value <= max });

/** A thrown error that the runner reports as a broken invariant (exit code 1), not a missed target. */
export class BenchInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BenchInvariantError";
  }
}

export const invariant: (condition: unknown, message: string) => asserts condition = (condition, message) => {
  if (!condition) throw new BenchInvariantError(message);
};

/** Swallows what vigie's logger writes to stdout while `run` measures, counting the lines. */
export const muteStdout = async <T>(run: () => Promise<T>): Promise<{ value: T; lines: string[] }> => {
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    // Keep the last lines only: enough to check what was logged without holding thousands.
    if (lines.length < 2_000) lines.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
    return true;
  }) as typeof process.stdout.write;
  try {
    return { value: await run(), lines };
  } finally {
    process.stdout.write = write;
  }
};
