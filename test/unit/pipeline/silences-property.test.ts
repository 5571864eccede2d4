import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { githubEvent } from "../../../samples/events.ts";
import type { RunEvent } from "../../../src/event.ts";
import { processVerdict } from "../../../src/pipeline/pipeline.ts";
import { classify } from "../../../src/pipeline/policy.ts";
import { sweep } from "../../../src/pipeline/sweep.ts";
import { isActive } from "../../../src/silences/match-silence.ts";
import { readSilenceIndex } from "../../../src/silences/silence-index.ts";
import { addSilence } from "../../../src/silences/silence-store.ts";
import { pipelineFixture, textOf } from "./support.ts";

const QUIET = "acme/quiet";
const SITES = [QUIET, "acme/loud", "acme/other"] as const;
const at = (minutes: number) => new Date(Date.parse("2026-11-27T10:00:00Z") + minutes * 60_000).toISOString();

type Op =
  | { readonly kind: "run"; readonly site: number; readonly outcome: "failure" | "success" }
  | { readonly kind: "sweep" }
  | { readonly kind: "advance"; readonly minutes: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("run" as const),
    site: fc.integer({ min: 0, max: SITES.length - 1 }),
    outcome: fc.constantFrom("failure" as const, "success" as const),
  }),
  fc.constant({ kind: "sweep" as const }),
  fc.record({ kind: fc.constant("advance" as const), minutes: fc.integer({ min: 1, max: 90 }) }),
);

describe("property: nothing is ever posted for a silenced stream", () => {
  it("whatever the interleaving of failures, successes, sweeps and time (storms and reminders included)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 25 }),
        fc.constantFrom<"green" | number>("green", 30, 240),
        fc.constantFrom("1", "5"),
        async (ops, length, threshold) => {
          const f = pipelineFixture({ STORM_THRESHOLD: threshold, REMINDER_HOURS: "1" });
          await addSilence(
            f.store,
            {
              match: { site: QUIET, branch: null, source: null, stream: null },
              until: length === "green" ? null : f.clock.now() + length * 60_000,
              untilGreen: length === "green",
              reason: null,
            },
            "cli",
            f.clock.now(),
          );
          const about = () => f.slack.messages.filter((m) => textOf(m).includes(QUIET)).length;
          for (const [index, step] of ops.entries()) {
            const before = about();
            if (step.kind === "run") {
              const site = SITES[step.site] as string;
              const n = index + 1;
              const event: RunEvent = githubEvent({
                repository: site,
                site,
                runId: 1000 + n,
                runNumber: n,
                startedAt: at(n),
                occurredAt: at(n + 1),
                outcome: step.outcome,
                commit: { sha: `${n}`.padStart(40, "a"), message: `push ${n}`, url: null, author: "Ada" },
              });
              await processVerdict(classify(event, f.deps.config), f.deps, f.deadline());
            } else if (step.kind === "sweep") await sweep(f.deps);
            else f.clock.advance(step.minutes * 60_000);
            // Silences only end: one in force after this step was in force all through it.
            const inForce = (await readSilenceIndex(f.store)).some((s) => isActive(s, f.clock.now()));
            if (inForce) expect(about(), `step ${index} ${JSON.stringify(step)}`).toBe(before);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
