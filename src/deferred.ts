/**
 * Everything a webhook function needs only once a delivery calls for state or a message: the pipeline,
 * Netlify Blobs, the destinations' senders and the lookup of what failed and why, behind ONE dynamic import.
 *
 * Why one: the deploy build splits each function's lazily loaded code into chunks
 * (scripts/build-functions.ts), and esbuild puts each module in a chunk per set of entry points that reach
 * it. With four separate `import()`s, the modules the entry shares with them fell into seven small chunks,
 * each one more file a cold start must resolve and load (≈ 0.24 ms each). With one, they share one.
 */

export { createDestinationRouter } from "./destinations/router.ts";
export * as pipeline from "./pipeline/pipeline.ts";
export { createDetailFailure } from "./sources/detail-failure.ts";
export { BlobsStore } from "./store/blobs-store.ts";
