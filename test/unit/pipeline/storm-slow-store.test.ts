import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { githubEvent } from "../../../samples/events.ts";
import { processVerdict } from "../../../src/pipeline/pipeline.ts";
import { classify } from "../../../src/pipeline/policy.ts";
import { parseOutboxEntry } from "../../../src/pipeline/records.ts";
import { sweep } from "../../../src/pipeline/sweep.ts";
import { DIGEST_SITES_PER_MESSAGE } from "../../../src/slack/format.ts";
import type { Store } from "../../../src/store/store.ts";
import { pipelineFixture, textOf } from "./support.ts";

/**
 * A theme update on a store as unkind as Netlify's local Blobs server under a burst: every call takes up to
 * two seconds during the burst, half a second after it (calls overlap: each moves the clock to its own
 * end, not by its own length), fast-check's
 * scheduler interleaves them adversarially, listings answer with part of the keys (a walk that met a
 * renamed temp file), and a read may come back without an etag (a key missing from that listing). The
 * bounds of docs/architecture.md, "Storms", must hold all the same:
 * - at most STORM_THRESHOLD single messages, plus ⌈digested / 40⌉ digests and one straggler;
 * - every site named once a sweep has run STORM_GROUP_WAIT_SECONDS + 5 s after the first failure, and
 *   again 4 s later (the straggler's sweep);
 * - each digest queued within one sweep period of the first failure + the group wait (or of the burst's
 *   end, when the store was so slow that the burst outlasted the wait).
 */
const GROUP_WAIT_S = 30;
const SWEEP_PERIOD_MS = 60_000;

describe("a theme update on a slow store whose listings are partial", () => {
  it("property: the storm bound and the digest's time hold whatever the interleaving and the store's speed", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 2, max: 60 }),
        fc.array(fc.integer({ min: 0, max: 2_000 }), { minLength: 64, maxLength: 64 }),
        fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
        fc.scheduler(),
        async (threshold, sites, delays, partial, s) => {
          const f = pipelineFixture({
            STORM_THRESHOLD: String(threshold),
            STORM_GROUP_WAIT_SECONDS: String(GROUP_WAIT_S),
          });
          let call = 0;
          // Once the burst is over, the store answers faster (a quarter of the burst's times).
          let burst = true;
          const slow = <T>(what: string, run: () => Promise<T>): Promise<T> => {
            const delay = delays[call++ % delays.length] ?? 0;
            const ends = f.clock.now() + (burst ? delay : delay / 4);
            return s.schedule(Promise.resolve(), what).then(async () => {
              const value = await run();
              if (f.clock.now() < ends) f.clock.ms = ends;
              return value;
            });
          };
          let listing = 0;
          const partialBefore = new Set<string>();
          const unkind: Store = {
            get: (key) =>
              slow(`get ${key}`, async () => {
                const entry = await f.store.get(key);
                // The local server's GET has no etag, and its listing may miss the key.
                return entry && call % 3 === 0 && partial[call % partial.length]
                  ? { ...entry, etag: "" }
                  : entry;
              }),
            read: (key) => slow(`read ${key}`, () => f.store.read(key)),
            set: (key, value, condition) => slow(`set ${key}`, () => f.store.set(key, value, condition)),
            delete: (key) => slow(`delete ${key}`, () => f.store.delete(key)),
            list: (prefix) =>
              slow(`list ${prefix}`, async () => {
                const keys = await f.store.list(prefix);
                // A listing that ends early, as the local server's does when it races a write; not twice in
                // a row for one prefix (the sweep 4 s later lists once the burst's writes are over).
                const cut = partial[listing++ % partial.length] && !partialBefore.has(prefix);
                if (cut) partialBefore.add(prefix);
                else partialBefore.delete(prefix);
                return cut ? keys.slice(0, Math.floor(keys.length / 2)) : keys;
              }),
          };
          const names = Array.from(
            { length: sites },
            (_, i) => `acme/theme-site-${String(i).padStart(3, "0")}`,
          );
          const first = f.clock.now();
          const deliver = (name: string, i: number) =>
            processVerdict(
              classify(
                githubEvent({
                  site: name,
                  repository: name,
                  runId: 7000 + i,
                  commit: { sha: `${i}`.padStart(40, "d"), message: "theme", url: null, author: null },
                }),
                f.deps.config,
              ),
              { ...f.deps, store: unkind },
              first + 25_000,
            );
          // A delivery answered 503 (its stream too contended to record it) is redelivered, as GitHub's would be.
          const settled = await s.waitFor(Promise.allSettled(names.map(deliver)));
          const again = names.filter((_, i) => settled[i]?.status === "rejected");
          await s.waitFor(Promise.all(again.map((name) => deliver(name, names.indexOf(name)))));
          burst = false;
          const burstEnd = f.clock.now();
          // The sweeps of the contract: the group wait + 5 s after the first failure, then 4 s later.
          f.clock.ms = Math.max(f.clock.now(), first + (GROUP_WAIT_S + 5) * 1000);
          await s.waitFor(sweep({ ...f.deps, store: unkind }));
          f.clock.advance(4_000);
          await s.waitFor(sweep({ ...f.deps, store: unkind }));
          const outbox = Object.entries(f.store.snapshot())
            .filter(([key]) => key.startsWith("outbox/"))
            .map(([, value]) => parseOutboxEntry(value))
            .filter((entry) => entry !== null);
          const singles = outbox.filter((entry) => entry.id.endsWith(":open:default"));
          const digests = outbox.filter((entry) => entry.id.startsWith("digest:"));
          expect(singles.length).toBeLessThanOrEqual(threshold);
          const digested = sites - singles.length;
          expect(digests.length).toBeLessThanOrEqual(Math.ceil(digested / DIGEST_SITES_PER_MESSAGE) + 1);
          for (const digest of digests) {
            // Queued by the first sweep once the group wait is over (and the burst's own writes are done).
            const due = Math.max(first + GROUP_WAIT_S * 1000, burstEnd);
            expect(digest.createdAt).toBeLessThanOrEqual(due + SWEEP_PERIOD_MS);
          }
          const texts = f.slack.messages.map(textOf);
          for (const name of names)
            expect(
              texts.filter((text) => text.includes(name)),
              name,
            ).toHaveLength(1);
        },
      ),
      { numRuns: 30 },
    );
  });
});
