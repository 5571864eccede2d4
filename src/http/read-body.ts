import { PayloadTooLargeError } from "../errors.ts";
import { readAtMost } from "../net/read-at-most.ts";
import type { RawBody } from "../sources/source.ts";

const tooLarge = (maxBytes: number): PayloadTooLargeError => new PayloadTooLargeError(maxBytes);

/**
 * Reads the body once, never more than `maxBytes`. A declared Content-Length over the limit is refused
 * before a byte is read; a body without one (chunked) or whose Content-Length lies is cut off as soon
 * as the running total crosses the limit, and the stream is cancelled so the rest is never buffered.
 *
 * `text` keeps a leading BOM (`ignoreBOM: true`): the signature is computed over the text, and it must
 * stand for exactly the bytes that were sent.
 */
export const readBody = async (req: Request, maxBytes: number): Promise<RawBody> => {
  const declared = req.headers.get("content-length");
  if (declared !== null && /^\s*\d+\s*$/.test(declared) && Number(declared) > maxBytes) {
    throw tooLarge(maxBytes);
  }
  if (req.body === null) return { bytes: new Uint8Array(0), text: "", utf8: true };

  const bytes = await readAtMost(req.body, maxBytes);
  if (bytes === null) throw tooLarge(maxBytes);
  try {
    return {
      bytes,
      text: new TextDecoder("utf-8", { ignoreBOM: true, fatal: true }).decode(bytes),
      utf8: true,
    };
  } catch {
    return { bytes, text: new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes), utf8: false };
  }
};
