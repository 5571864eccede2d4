import { functionEnv } from "../config.ts";
import { lazyBlobsStore, log } from "../runtime.ts";
import type { Store } from "../store/store.ts";
import type { StatusDeps } from "./handle-status.ts";

let store: Store | null = null;

/** What netlify/functions/status.mts hands to the route: the function's environment and Netlify Blobs. */
export const statusDeps = (): StatusDeps => ({
  env: functionEnv(),
  log,
  // Netlify Blobs loads at the first read, once the request is authorised.
  store: () => (store ??= lazyBlobsStore()),
});
