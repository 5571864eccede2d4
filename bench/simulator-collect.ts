/**
 * What the storm simulator (bench/simulator.ts) reads back after a run: the Slack messages by kind and the
 * sites each names, the store calls of the log lines by decision, and what is left in the local Blobs store.
 */
import { PREFIX } from "../src/pipeline/keys.ts";
import { parseOutboxEntry } from "../src/pipeline/records.ts";
import type { BlobsStore } from "../src/store/blobs-store.ts";
import type { SlackRequest } from "../test/integration/harness.ts";
import { quantile, round } from "./stats.ts";

export type MessageKind = "failure" | "digest" | "recovery" | "recovery digest" | "other";

export interface Message {
  readonly index: number;
  /** Date.now() when the Slack stand-in received it. */
  readonly at: number;
  readonly kind: MessageKind;
  readonly header: string;
  /** The plan's sites named anywhere in the message (header, text, links). */
  readonly sites: ReadonlySet<string>;
  /** For a digest: the site count its header gives (the whole storm, not this part). */
  readonly headerSites: number | null;
  readonly raw: string;
}

/** The header of a message the stand-in received (Block Kit's first header block). */
export const headerOf = (message: SlackRequest): string => {
  const blocks = (message.body as { blocks?: Array<{ type?: string; text?: { text?: string } }> } | null)
    ?.blocks;
  return blocks?.find((block) => block.type === "header")?.text?.text ?? "";
};

/** A message Slack accepted, by its header (src/slack/run-messages.ts, src/slack/digest.ts). */
export const classify = (message: SlackRequest, sites: readonly string[]): Message => {
  const header = headerOf(message);
  const digest = /^🚨 (\d+) sites? failed/.exec(header);
  const recoveryDigest = /^✅ (\d+) sites? recovered/.exec(header);
  const kind: MessageKind = header.startsWith("❌")
    ? "failure"
    : digest
      ? "digest"
      : header.startsWith("✅ Recovered")
        ? "recovery"
        : recoveryDigest
          ? "recovery digest"
          : "other";
  const count = digest?.[1] ?? recoveryDigest?.[1];
  return {
    index: message.index,
    at: message.at,
    kind,
    header,
    sites: new Set(sites.filter((site) => message.raw.includes(site))),
    headerSites: count === undefined ? null : Number(count),
    raw: message.raw,
  };
};

export const isFailureMessage = (m: Message): boolean => m.kind === "failure" || m.kind === "digest";
export const isRecoveryMessage = (m: Message): boolean =>
  m.kind === "recovery" || m.kind === "recovery digest";

/** When each site was first named in a message Slack accepted (Date.now()), null if never. */
export const firstNamed = (
  messages: readonly Message[],
  sites: readonly string[],
): ReadonlyMap<string, number | null> =>
  new Map(sites.map((site) => [site, messages.find((m) => m.sites.has(site))?.at ?? null]));

export interface StoreCalls {
  readonly decision: string;
  readonly deliveries: number;
  /** How many of those lines have a `storeCalls` field (an answer made before the store is reached has none). */
  readonly counted: number;
  /** null: the log lines have no `storeCalls` field. */
  readonly mean: number | null;
  readonly p50: number | null;
  readonly max: number | null;
}

/** The `storeCalls` of log lines, by decision (or by `keyOf`), most frequent first. */
export const storeCallsBy = (
  lines: ReadonlyArray<Record<string, unknown>>,
  keyOf: (line: Record<string, unknown>) => string = (line) => String(line.decision ?? line.msg),
): StoreCalls[] => {
  const byDecision = new Map<string, number[]>();
  const lineCount = new Map<string, number>();
  for (const line of lines) {
    const decision = keyOf(line);
    lineCount.set(decision, (lineCount.get(decision) ?? 0) + 1);
    const known = byDecision.get(decision) ?? [];
    if (typeof line.storeCalls === "number") known.push(line.storeCalls);
    byDecision.set(decision, known);
  }
  return [...lineCount.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([decision, deliveries]) => {
      const known = byDecision.get(decision) ?? [];
      const none = known.length === 0;
      return {
        decision,
        deliveries,
        counted: known.length,
        mean: none ? null : round(known.reduce((a, b) => a + b, 0) / known.length, 1),
        p50: none ? null : quantile(known, 0.5),
        max: none ? null : Math.max(...known),
      };
    });
};

/** How many items have each key, most frequent first. */
export const counts = <T>(items: readonly T[], key: (item: T) => string): Record<string, number> => {
  const result: Record<string, number> = {};
  for (const item of items) result[key(item)] = (result[key(item)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(result).sort((a, b) => b[1] - a[1]));
};

/** Keys that must be gone once everything is processed; `inbox` if the pipeline has one. */
const TRANSIENT_PREFIXES = ["inflight", "digest", "inbox"] as const;

/** What is left in the local Blobs store: transient keys, and outbox entries not yet sent (or dead). */
export const storeLeft = async (store: BlobsStore): Promise<Record<string, number>> => {
  const left: Record<string, number> = {};
  for (const name of TRANSIENT_PREFIXES) {
    const prefix = (PREFIX as Record<string, string>)[name];
    if (prefix !== undefined) left[name] = (await store.list(prefix)).length;
  }
  let unsent = 0;
  for (const key of await store.list(PREFIX.outbox)) {
    const entry = parseOutboxEntry(await store.read(key));
    if (entry && entry.state !== "sent" && entry.state !== "dead") unsent++;
  }
  left.outboxUnsent = unsent;
  return left;
};

export interface TimeFigures {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Quantiles of times in ms, rounded to the ms. */
export const timeFigures = (ms: readonly number[]): TimeFigures => ({
  p50: round(quantile(ms, 0.5), 0),
  p90: round(quantile(ms, 0.9), 0),
  p99: round(quantile(ms, 0.99), 0),
  max: round(Math.max(...ms), 0),
});

/** The time vigie spent on each delivery: the `ms` of its log lines. */
export const msOf = (lines: ReadonlyArray<Record<string, unknown>>): number[] =>
  lines.flatMap((line) => (typeof line.ms === "number" ? [line.ms] : []));
