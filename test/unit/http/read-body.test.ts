import { describe, expect, it } from "vitest";
import { readBody } from "../../../src/http/read-body.ts";

/** A body that records how much of it was pulled and whether it was cancelled; nothing is pulled up front. */
const recordingStream = (chunks: number, chunkSize: number) => {
  const record = { pulls: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        record.pulls++;
        controller.enqueue(new Uint8Array(chunkSize).fill(0x61));
        if (record.pulls >= chunks) controller.close();
      },
      cancel() {
        record.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, record };
};

const streamedRequest = (stream: ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
  new Request("http://localhost/webhooks/github", {
    method: "POST",
    body: stream,
    headers,
    duplex: "half",
  } as RequestInit);

const tooLarge = { code: "payload_too_large" };

describe("readBody", () => {
  it.each([
    { name: "ascii", body: '{"a":1}' },
    { name: "multi-byte utf-8", body: '{"message":"déploiement échoué 🚒"}' },
    { name: "a leading BOM is kept, so the text stands for the signed bytes", body: '\uFEFF{"a":1}' },
  ])("reads $name under the limit, bytes and text", async ({ body }) => {
    const raw = await readBody(new Request("http://localhost/", { method: "POST", body }), 1024);
    expect(raw.text).toBe(body);
    expect(raw.bytes).toEqual(new TextEncoder().encode(body));
  });

  it.each([
    { name: "no body", init: { method: "POST" } },
    { name: "an empty body", init: { method: "POST", body: "" } },
  ])("returns empty bytes and text for $name", async ({ init }) => {
    const raw = await readBody(new Request("http://localhost/", init), 10);
    expect(raw.bytes.byteLength).toBe(0);
    expect(raw.text).toBe("");
  });

  it("accepts a body of exactly the limit", async () => {
    const { stream } = recordingStream(4, 25);
    const raw = await readBody(streamedRequest(stream, { "content-length": "100" }), 100);
    expect(raw.bytes.byteLength).toBe(100);
    expect(raw.text).toBe("a".repeat(100));
  });

  it("refuses a declared Content-Length over the limit before reading anything", async () => {
    const { stream, record } = recordingStream(1, 10);
    const req = streamedRequest(stream, { "content-length": "101" });
    await expect(readBody(req, 100)).rejects.toMatchObject(tooLarge);
    expect(record.pulls).toBe(0);
    expect(req.bodyUsed).toBe(false);
  });

  it.each([
    { name: "without Content-Length (chunked)", headers: {} },
    { name: "whose Content-Length lies", headers: { "content-length": "10" } },
  ])("stops reading a streamed body $name as soon as it crosses the limit", async ({ headers }) => {
    // 1000 chunks of 30 bytes: the limit (100) is crossed at the 4th.
    const { stream, record } = recordingStream(1000, 30);
    await expect(readBody(streamedRequest(stream, headers), 100)).rejects.toMatchObject(tooLarge);
    expect(record.pulls).toBeLessThanOrEqual(5);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(record.cancelled).toBe(true);
  });
});
