import type { FailedAt } from "../event.ts";

/**
 * A failure's signature, as the board and the digests group by: its first failed job's (the job the
 * "Failed at" line names first). null when no job has one.
 */
export const failureSignature = (detail: FailedAt | null | undefined): string | null =>
  detail?.jobs[0]?.signature ?? null;
