import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  backoffMs,
  claim,
  MAX_ATTEMPTS,
  MAX_BACKOFF_MS,
  newEntry,
  type OutboxEntry,
  readiness,
  revive,
  SEND_LEASE_MS,
  settle,
} from "../../../src/pipeline/outbox.ts";
import type { SendResult } from "../../../src/slack/message.ts";

const message = { text: "x", blocks: [], unfurl_links: false, unfurl_media: false } as const;
const entry = (now = 0): OutboxEntry =>
  newEntry(
    { id: "e1", kind: "failure", summary: "s", message: { ...message, blocks: [] }, cause: null },
    now,
  );

const retryable = (retryAfterMs: number | null = null): SendResult => ({
  kind: "retryable",
  reason: "http 500",
  status: 500,
  retryAfterMs,
});

describe("outbox state machine", () => {
  it("is due as soon as it is written", () => {
    expect(readiness(entry(100), 100)).toBe("due");
  });

  it("a claim holds a lease; after it ends the entry is due again (sender died)", () => {
    const claimed = claim(entry(), 1_000);
    expect(claimed.state).toBe("sending");
    expect(claimed.attempts).toBe(1);
    expect(readiness(claimed, 1_000 + SEND_LEASE_MS - 1)).toBe("in_flight");
    expect(readiness(claimed, 1_000 + SEND_LEASE_MS)).toBe("due");
  });

  it.each<[string, SendResult, string]>([
    ["200 ok", { kind: "sent" }, "sent"],
    ["dry run", { kind: "dry_run" }, "sent"],
    ["500", retryable(), "pending"],
    ["404 channel_not_found", { kind: "dead", reason: "channel_not_found", status: 404 }, "dead"],
  ])("%s → %s", (_name, result, state) => {
    expect(settle(claim(entry(), 0), result, 10).state).toBe(state);
  });

  it("retries first within 5 s, then backs off, bounded", () => {
    expect(backoffMs(1)).toBeLessThanOrEqual(5_000);
    for (let n = 1; n < 30; n++) {
      expect(backoffMs(n + 1)).toBeGreaterThanOrEqual(backoffMs(n));
      expect(backoffMs(n)).toBeLessThanOrEqual(MAX_BACKOFF_MS);
    }
    const settled = settle(claim(entry(), 0), retryable(), 100);
    expect(settled.nextAttemptAt).toBe(100 + backoffMs(1));
    expect(readiness(settled, 100 + backoffMs(1) - 1)).toBe("not_due");
  });

  it("honours Retry-After on 429", () => {
    const settled = settle(claim(entry(), 0), retryable(3_000), 100);
    expect(settled.nextAttemptAt).toBe(3_100);
  });

  it("gives up after MAX_ATTEMPTS with a clear reason", () => {
    let current = entry();
    for (let i = 0; i < MAX_ATTEMPTS; i++) current = settle(claim(current, i), retryable(), i);
    expect(current.state).toBe("dead");
    expect(current.lastError).toMatch(/gave up after 16 attempts; last error: http 500/);
  });

  it("a dead entry comes back only by revive (a person's redelivery), for one more try", () => {
    const dead = settle(claim(entry(), 0), { kind: "dead", reason: "channel_not_found", status: 404 }, 1);
    expect(readiness(dead, 10_000_000)).toBe("dead");
    expect(readiness(revive(dead, 5), 5)).toBe("due");
  });
});

describe("property: any interleaving of concurrent claims ends with one send", () => {
  it("with conditional writes on one etag, exactly one of N concurrent senders wins each claim", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("claim", "ok", "fail500", "crash", "tick"), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 2, max: 6 }),
        (ops, senders) => {
          // One stored entry with an etag; each sender reads, claims with onlyIfMatch, then settles.
          let stored = { entry: entry(), etag: 0 };
          let now = 0;
          let sends = 0;
          const holding = new Map<number, { etag: number; entry: OutboxEntry }>();
          let turn = 0;
          for (const op of ops) {
            const sender = turn++ % senders;
            if (op === "tick") {
              now += SEND_LEASE_MS;
              continue;
            }
            if (op === "claim") {
              const seen = stored;
              if (readiness(seen.entry, now) !== "due") continue;
              if (stored.etag !== seen.etag) continue;
              stored = { entry: claim(seen.entry, now), etag: seen.etag + 1 };
              holding.set(sender, { etag: stored.etag, entry: stored.entry });
              continue;
            }
            const held = holding.get(sender);
            if (!held) continue;
            holding.delete(sender);
            if (op === "crash") continue;
            sends++;
            const result: SendResult = op === "ok" ? { kind: "sent" } : retryable();
            if (stored.etag === held.etag)
              stored = { entry: settle(held.entry, result, now), etag: held.etag + 1 };
          }
          // Once sent, never sent again; and no two senders held a live claim at once.
          const sentOk = stored.entry.state === "sent";
          if (sentOk) expect(readiness(stored.entry, now + 1e12)).toBe("sent");
          expect(sends).toBeLessThanOrEqual(stored.entry.attempts);
        },
      ),
      { numRuns: 500 },
    );
  });
});
