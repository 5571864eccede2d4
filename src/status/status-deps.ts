import { functionEnv } from "../config.ts";
import { log } from "../runtime.ts";
import { BlobsStore } from "../store/blobs-store.ts";
import type { Store } from "../store/store.ts";
import type { StatusDeps } from "./handle-status.ts";

let store: Store | null = null;

/** What netlify/functions/status.mts hands to the route: the function's environment and Netlify Blobs. */
export const statusDeps = (): StatusDeps => ({
  env: functionEnv(),
  log,
  store: () => (store ??= BlobsStore.open()),
});
