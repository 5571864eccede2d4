import { functionEnv } from "../config.ts";
import { lazyBlobsStore, log } from "../runtime.ts";
import type { Store } from "../store/store.ts";
import type { InteractionDeps } from "./handle-interaction.ts";

let store: Store | null = null;

/** What netlify/functions/slack.mts hands to the route: the function's environment, Netlify Blobs, waitUntil. */
export const interactionDeps = (context?: {
  waitUntil?: (promise: Promise<unknown>) => void;
}): InteractionDeps => ({
  env: functionEnv(),
  log,
  // Netlify Blobs loads at the first store call, once a signed click is to be acted on.
  store: () => (store ??= lazyBlobsStore()),
  defer: context?.waitUntil ? (work) => context.waitUntil?.(work) : undefined,
});
