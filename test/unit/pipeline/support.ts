import { loadConfig } from "../../../src/config.ts";
import { memoryLogger } from "../../../src/log.ts";
import type { PipelineDeps } from "../../../src/pipeline/pipeline.ts";
import type { SlackMessage } from "../../../src/slack/message.ts";
import { MemoryStore } from "../../../src/store/memory-store.ts";
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
