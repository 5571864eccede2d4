import { type Config, functionEnv, loadConfig } from "./config.ts";
import { loadDeferred } from "./deferred-load.ts";
import type { Sender } from "./destinations/kind.ts";
import type { WebhookDeps } from "./http/handle-webhook.ts";
import { lazyImport } from "./lazy-import.ts";
import { createLogger, type Logger } from "./log.ts";
import type { PipelineDeps } from "./pipeline/pipeline.ts";
import { SLACK_TIMEOUT_MS } from "./slack/message.ts";
import type { DetailFailure } from "./sources/detail-failure.ts";
import type { Store } from "./store/store.ts";

/** A little over one second: Slack accepts ≈1 message/s per webhook beyond short bursts. */
export const SLACK_INTERVAL_MS = 1_100;

const log: Logger = createLogger();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Netlify Blobs, opened at the first store call rather than at import: @netlify/blobs is only loaded when
 * a delivery needs state (most deliveries of an org webhook are ignored before that), and every function
 * invocation may be a cold start (BENCHMARKS.md). An open that fails (StoreUnavailableError, 503) is tried
 * again by the next call.
 */
const openBlobs = lazyImport(() => loadDeferred().then(({ BlobsStore }) => BlobsStore.open()));

/** A Store on Netlify Blobs; with a deadline, each call may take until then (BlobsStoreOptions.deadline). */
export const lazyBlobsStore = (deadline?: number): Store => {
  const open = async (): Promise<Store> => {
    const blobs = await openBlobs();
    return deadline === undefined ? blobs : blobs.withDeadline(deadline);
  };
  return {
    get: async (key) => (await open()).get(key),
    read: async (key) => (await open()).read(key),
    set: async (key, value, condition) => (await open()).set(key, value, condition),
    delete: async (key) => (await open()).delete(key),
    list: async (prefix) => (await open()).list(prefix),
    listVersions: async (prefix) => {
      const opened = await open();
      if (opened.listVersions) return opened.listVersions(prefix);
      return (await opened.list(prefix)).map((key) => ({ key, etag: "" }));
    },
  };
};

let store: Store | null = null;
let router: { routing: Config["routing"]; sender: Sender } | null = null;
/** The Slack senders (and their packages) load at the first post, not at a cold start. */

/** One router per configuration (loadConfig returns the same Config while the environment is unchanged). */
const slackFor = (config: Config): Sender => ({
  send: async (message, options) => {
    const { createDestinationRouter } = await loadDeferred();
    if (router?.routing !== config.routing) {
      router = {
        routing: config.routing,
        sender: createDestinationRouter(config.routing, { timeoutMs: SLACK_TIMEOUT_MS, log }),
      };
    }
    return router.sender.send(message, options);
  },
});

let detail: {
  github: Config["githubJobs"];
  gitlab: Config["gitlabJobs"];
  lookup: Promise<DetailFailure>;
} | null = null;

/**
 * With GITHUB_TOKEN, a GitHub failure is told with its failed jobs and steps, and with GITHUB_TOKEN or
 * GITLAB_TOKEN with its failed step's log excerpt and signature (src/sources/detail-failure.ts). Loaded at
 * the first failure to tell, like the store: the Netlify route never evaluates it.
 */
const detailFailureFor = (config: Config): PipelineDeps["detailFailure"] => {
  const github = config.githubJobs;
  const gitlab = config.gitlabJobs;
  if (github === null && gitlab === null) return undefined;
  return async (event, deadline) => {
    if (event.source === "netlify") return event;
    if (detail?.github !== github || detail.gitlab !== gitlab) {
      detail = {
        github,
        gitlab,
        lookup: loadDeferred().then(({ createDetailFailure }) =>
          createDetailFailure({ github, gitlab }, { log }),
        ),
      };
    }
    return (await detail.lookup)(event, deadline);
  };
};

/**
 * Pipeline dependencies for this process: Netlify Blobs from the function's environment, real Slack.
 * `deadline`: when the caller must be done (the webhook's answer, processing's budget); store calls wait
 * until then rather than a fixed 3 s.
 */
export const pipelineDeps = (config: Config, options: { deadline?: number } = {}): PipelineDeps => {
  store ??= lazyBlobsStore();
  return {
    config,
    store: options.deadline === undefined ? store : lazyBlobsStore(options.deadline),
    slack: slackFor(config),
    log,
    now: Date.now,
    sleep,
    slackIntervalMs: SLACK_INTERVAL_MS,
    slackTimeoutMs: SLACK_TIMEOUT_MS,
    detailFailure: detailFailureFor(config),
  };
};

/**
 * What the function files hand to the domain. Nothing here runs at import time but the logger. `context`
 * is the function's Netlify context: its `waitUntil` lets processing go on after the answer.
 */
export const webhookDeps = (context?: { waitUntil?: (promise: Promise<unknown>) => void }): WebhookDeps => ({
  env: functionEnv(),
  log,
  now: Date.now,
  pipeline: pipelineDeps,
  defer: context?.waitUntil ? (work) => context.waitUntil?.(work) : undefined,
});

export { loadConfig, log };
