import { loadConfig } from "../../../src/config.ts";
import { memoryLogger } from "../../../src/log.ts";
import type { PipelineDeps } from "../../../src/pipeline/pipeline.ts";
import type { SendOptions, SendResult, SlackMessage, SlackSender } from "../../../src/slack/message.ts";
import { MemoryStore } from "../../../src/store/memory-store.ts";

/** A Slack stand-in for unit tests: records messages, answers what the test queues (default: sent). */
export class RecordingSlack implements SlackSender {
  readonly messages: SlackMessage[] = [];
  readonly attempts: SlackMessage[] = [];
  readonly answers: SendResult[] = [];
  /** The timeout each attempt was given. */
  readonly timeouts: Array<number | undefined> = [];
  async send(message: SlackMessage, options: SendOptions = {}): Promise<SendResult> {
    this.attempts.push(message);
    this.timeouts.push(options.timeoutMs);
    const answer = this.answers.shift() ?? { kind: "sent" };
    if (answer.kind === "sent") this.messages.push(message);
    return answer;
  }
}

/** A clock the test moves by hand; sleeping advances it. */
export class Clock {
  constructor(public ms = Date.parse("2026-11-27T10:00:00Z")) {}
  now = (): number => this.ms;
  sleep = async (ms: number): Promise<void> => {
    this.ms += ms;
  };
  advance(ms: number): void {
    this.ms += ms;
  }
}

export const pipelineFixture = (env: Record<string, string> = {}, options: { intervalMs?: number } = {}) => {
  const store = new MemoryStore();
  const slack = new RecordingSlack();
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
