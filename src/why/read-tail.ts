/**
 * The last `maxBytes` of a streamed body, in bounded memory: chunks are kept while they are within the
 * tail and dropped as newer ones arrive, so a 20 MB log costs about `maxBytes` (plus one chunk) whatever
 * its length. Reading stops after `maxRead` bytes (the body is then cancelled and `complete` is false) or
 * when `signal` aborts (the read rejects, as fetch's body does).
 */
export interface Tail {
  readonly bytes: Uint8Array;
  /** Bytes read in all. */
  readonly read: number;
  /** false when bytes before the tail were dropped: the tail may start in the middle of a line. */
  readonly whole: boolean;
  /** false when reading stopped at `maxRead` before the body's end. */
  readonly complete: boolean;
}

export const readTail = async (
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  maxRead: number,
): Promise<Tail> => {
  if (body === null) return { bytes: new Uint8Array(0), read: 0, whole: true, complete: true };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let read = 0;
  let dropped = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      read += value.byteLength;
      chunks.push(value);
      kept += value.byteLength;
      for (
        let first = chunks[0];
        chunks.length > 1 && first && kept - first.byteLength >= maxBytes;
        first = chunks[0]
      ) {
        chunks.shift();
        kept -= first.byteLength;
        dropped = true;
      }
      if (read >= maxRead) {
        await reader.cancel().catch(() => undefined);
        return { bytes: join(chunks, kept, maxBytes), read, whole: false, complete: false };
      }
    }
  } finally {
    reader.releaseLock();
  }
  return { bytes: join(chunks, kept, maxBytes), read, whole: !dropped && kept <= maxBytes, complete: true };
};

const join = (chunks: readonly Uint8Array[], kept: number, maxBytes: number): Uint8Array => {
  const all = new Uint8Array(kept);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return kept > maxBytes ? all.subarray(kept - maxBytes) : all;
};
