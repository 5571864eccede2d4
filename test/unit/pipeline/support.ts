import { loadConfig } from "../../../src/config.ts";
import { memoryLogger } from "../../../src/log.ts";
import type { PipelineDeps } from "../../../src/pipeline/pipeline.ts";
import type { SlackMessage } from "../../../src/slack/message.ts";
import { MemoryStore } from "../../../src/store/memory-store.ts";
import type { Store } from "../../../src/store/store.ts";
import { Clock } from "../clock.ts";
import { FakeSlack } from "../fake-slack.ts";

export const pipelineFixture = (env: Record<string, string> = {}, options: { intervalMs?: number } = {}) => {
  const store = new MemoryStore();
  const slack = new FakeSlack();
  const clock = new Clock();
  const logs = memoryLogger();
  const deps: PipelineDeps = {
    config: loadConfig(env),
    store,
    slack,
    log: logs.log,
    now: clock.now,
    sleep: clock.sleep,
    slackIntervalMs: options.intervalMs ?? 0,
    slackTimeoutMs: 5_000,
  };
  return { store, slack, clock, logs, deps, deadline: () => clock.now() + 8_000 };
};

export const textOf = (message: SlackMessage | undefined): string => JSON.stringify(message ?? null);

/**
 * `store` as it is, except that each write first runs `before` with its key: a fault (it throws, as a
 * process that died) or a delay (it moves the clock) at that boundary.
 */
export const beforeEachSet = (store: Store, before: (key: string) => void): Store => ({
  get: (key) => store.get(key),
  read: (key) => store.read(key),
  list: (prefix) => store.list(prefix),
  delete: (key) => store.delete(key),
  set: async (key, value, condition) => {
    before(key);
    return store.set(key, value, condition);
  },
});
