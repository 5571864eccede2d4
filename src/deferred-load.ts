import { lazyImport } from "./lazy-import.ts";

/**
 * src/deferred.ts (the pipeline, Netlify Blobs, the Slack senders, the jobs lookup), loaded once, at the
 * first delivery that needs any of them. The one loader of that chunk: src/http and src/runtime.ts share it.
 */
export const loadDeferred = lazyImport(() => import("./deferred.ts"));
