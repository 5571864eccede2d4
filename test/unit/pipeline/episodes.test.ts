import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asFailure, githubEvent } from "../../../samples/events.ts";
import {
  announcedRoutes,
  closeEpisode,
  countFailure,
  decideFailure,
  decideSuccess,
  emptyStream,
  markReminded,
  openEpisode,
  RECENT_KEYS,
  reminderDue,
  routeEpisode,
  type StreamState,
} from "../../../src/pipeline/episodes.ts";

const STREAM = "github:acme/site-1:7:main";
const failure = (runId: number, occurredAt = "2026-11-27T10:00:00Z") =>
  asFailure(githubEvent({ runId, occurredAt }));
const success = (runId: number, occurredAt = "2026-11-27T11:00:00Z") =>
  githubEvent({ runId, occurredAt, outcome: "success" });

const open = (key = "k1"): StreamState => openEpisode(emptyStream(STREAM), failure(1), key, 1_000);

describe("decideFailure", () => {
  it.each<[string, () => StreamState, string, string]>([
    ["no state", () => emptyStream(STREAM), "k1", "open"],
    ["open episode, another run", () => open("k1"), "k2", "counted"],
    ["open episode, the run that opened it (replay)", () => open("k1"), "k1", "open"],
    [
      "open episode, a run already counted",
      () => countFailure(open("k1"), failure(2), "k2"),
      "k2",
      "already_applied",
    ],
    ["closed episode, a newer run", () => closeEpisode(open("k1"), success(9), "s1"), "k3", "open"],
  ])("%s → %s", (_name, state, key, expected) => {
    expect(decideFailure(state(), failure(3, "2026-11-27T12:00:00Z"), key).kind).toBe(expected);
  });

  it("a run that finished before the success that closed the stream is stale", () => {
    const closed = closeEpisode(open(), success(9, "2026-11-27T11:00:00Z"), "s1");
    const decision = decideFailure(closed, failure(4, "2026-11-27T10:30:00Z"), "k4");
    expect(decision).toEqual({ kind: "stale", reason: expect.stringContaining("before the newest result") });
  });

  it("marks a replay so the same decision is taken again after a crash", () => {
    expect(decideFailure(open("k1"), failure(1), "k1")).toEqual({ kind: "open", replay: true });
  });
});

describe("episode updates", () => {
  it("counts failures and keeps the latest logs link", () => {
    const state = countFailure(
      open(),
      asFailure(githubEvent({ runId: 2, occurredAt: "2026-11-27T10:05:00Z" })),
      "k2",
    );
    expect(state.episode?.failedRuns).toBe(2);
    expect(state.episode?.lastLogsUrl).toContain("/runs/2");
    const older = countFailure(
      state,
      asFailure(githubEvent({ runId: 3, occurredAt: "2026-11-27T09:00:00Z" })),
      "k3",
    );
    expect(older.episode?.failedRuns).toBe(3);
    expect(older.episode?.lastLogsUrl).toContain("/runs/2");
  });

  it("remembers a bounded number of keys", () => {
    let state = open();
    for (let i = 0; i < RECENT_KEYS + 20; i++) state = countFailure(state, failure(i + 10), `k${i + 10}`);
    expect(state.recent).toHaveLength(RECENT_KEYS);
  });

  it("closes with the time of the success", () => {
    const closed = closeEpisode(open(), success(9), "s1");
    expect(closed.episode).toBeNull();
    expect(closed.lastClosed).toEqual({
      episodeId: open().episode?.id,
      closedAt: "2026-11-27T11:00:00Z",
      closedBy: "s1",
    });
  });
});

describe("decideSuccess", () => {
  it.each<[string, () => StreamState, string]>([
    ["no episode", () => emptyStream(STREAM), "no_episode"],
    ["open episode", () => open(), "recovered"],
    ["closed by a newer success", () => closeEpisode(open(), success(9), "s1"), "stale"],
    [
      "closed by an older success",
      () => closeEpisode(open(), success(4, "2026-11-27T10:30:00Z"), "s1"),
      "no_episode",
    ],
  ])("%s → %s", (_name, state, expected) => {
    expect(decideSuccess(state(), success(5)).kind).toBe(expected);
  });

  it("a success that finished before the failure that opened the episode is stale", () => {
    expect(decideSuccess(open(), success(5, "2026-11-27T09:00:00Z")).kind).toBe("stale");
  });
});

describe("reminders", () => {
  it.each<[number, number, boolean]>([
    [24, 23 * 3_600_000, false],
    [24, 24 * 3_600_000, true],
    [0, 100 * 3_600_000, false],
  ])("REMINDER_HOURS=%s after %s ms: due %s", (hours, elapsed, due) => {
    const episode = open().episode;
    if (!episode) throw new Error("no episode");
    expect(reminderDue(episode, hours, episode.remindedAt + elapsed)).toBe(due);
  });

  it("never reminds about a folded episode, and counts reminders", () => {
    const folded = routeEpisode(openEpisode(emptyStream(STREAM), failure(1), "k1", 0), {
      delivery: "folded",
      foldedInto: "x",
    });
    expect(folded.episode && reminderDue(folded.episode, 1, 10 * 3_600_000)).toBe(false);
    const reminded = markReminded(open(), 5_000_000);
    expect(reminded.episode?.reminders).toBe(1);
    expect(reminded.episode?.remindedAt).toBe(5_000_000);
  });
});

describe("property: messages alternate failure / recovery", () => {
  type Step = { kind: "failure" | "success" | "cancelled"; run: number; replay: boolean };
  const step = fc.record({
    kind: fc.constantFrom("failure" as const, "success" as const, "cancelled" as const),
    run: fc.integer({ min: 1, max: 40 }),
    replay: fc.boolean(),
  });

  it("never sends two of a kind in a row, whatever the order of failures, successes, cancellations and replays", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps: Step[]) => {
        let state = emptyStream(STREAM);
        const sent: string[] = [];
        let clock = Date.parse("2026-11-27T10:00:00Z");
        const seen: string[] = [];
        for (const { kind, run, replay } of steps) {
          clock += 60_000;
          const key =
            replay && seen.length > 0
              ? (seen[run % seen.length] as string)
              : `github:acme/site-1:${run}:${clock}`;
          seen.push(key);
          const at = new Date(clock).toISOString();
          if (kind === "cancelled") continue; // neither opens nor closes: the policy drops it before episodes
          if (kind === "failure") {
            const decision = decideFailure(state, failure(run, at), key);
            if (decision.kind === "open" && !decision.replay) {
              state = openEpisode(state, failure(run, at), key, clock);
              sent.push("failure");
            } else if (decision.kind === "counted") {
              state = countFailure(state, failure(run, at), key);
            }
          } else {
            const decision = decideSuccess(state, success(run, at));
            if (decision.kind === "recovered") {
              state = closeEpisode(state, success(run, at), key);
              sent.push("recovery");
            }
          }
        }
        for (let i = 1; i < sent.length; i++) expect(sent[i]).not.toBe(sent[i - 1]);
        if (sent.length > 0) expect(sent[0]).toBe("failure");
      }),
      { numRuns: 300 },
    );
  });
});

describe("announcedRoutes: where an episode's messages go, and their ids", () => {
  const opened = openEpisode(emptyStream(STREAM), failure(1), "k1", 0);
  it("an episode routed to several destinations: one opening id per destination", () => {
    const routed = routeEpisode(opened, {
      delivery: "message",
      foldedInto: null,
      routes: [
        { destination: "THEMES", delivery: "message" },
        { destination: "#C0123ABCD", delivery: "digest" },
      ],
    });
    const id = routed.episode?.id;
    expect(announcedRoutes(routed.episode as never)).toEqual([
      { destination: "THEMES", delivery: "message", openingId: `${id}:open:THEMES`, suffix: ":THEMES" },
      {
        destination: "#C0123ABCD",
        delivery: "digest",
        openingId: `${id}:open:#C0123ABCD`,
        suffix: ":#C0123ABCD",
      },
    ]);
  });

  it("an episode opened before routing keeps its one webhook and its old ids; folded and muted go nowhere", () => {
    const legacy = routeEpisode(opened, { delivery: "message", foldedInto: null }).episode;
    expect(announcedRoutes(legacy as never)).toEqual([
      { destination: "default", delivery: "message", openingId: `${legacy?.id}:open`, suffix: "" },
    ]);
    const pending = opened.episode;
    expect(announcedRoutes(pending as never)).toHaveLength(1);
    for (const delivery of ["folded", "muted"] as const) {
      const quiet = routeEpisode(opened, { delivery, foldedInto: null, routes: [] }).episode;
      expect(announcedRoutes(quiet as never)).toEqual([]);
      expect(reminderDue(quiet as never, 1, 10 * 3_600_000)).toBe(false);
    }
  });
});
