import { describe, expect, it } from "vitest";
import type { Delivery } from "../../../src/redelivery/github-api.ts";
import {
  DELIVERY_RETENTION_MS,
  forgotten,
  guidAction,
  lookBack,
  MAX_ATTEMPTS_PER_GUID,
  MAX_PENDING,
  OVERLAP_MS,
  planRedeliveries,
  stillWaiting,
} from "../../../src/redelivery/plan.ts";
import { type Candidate, freshState, type GuidRecord } from "../../../src/redelivery/state.ts";
import { T0 } from "../clock.ts";

const MINUTE = 60_000;
const HORIZON = T0 - DELIVERY_RETENTION_MS;

let ids = 1_000;
const delivery = (guid: string, minutesAgo: number, over: Partial<Delivery> = {}): Delivery => ({
  id: String(ids++),
  guid,
  deliveredAt: T0 - minutesAgo * MINUTE,
  ok: false,
  status: "Invalid HTTP Response: 502",
  statusCode: 502,
  event: "workflow_run",
  action: "completed",
  ...over,
});
const ok = (guid: string, minutesAgo: number) =>
  delivery(guid, minutesAgo, { ok: true, status: "OK", statusCode: 200 });
const asCandidate = ({ id, guid, deliveredAt, status, statusCode, action }: Delivery): Candidate => ({
  id,
  guid,
  deliveredAt,
  status,
  statusCode,
  action,
});
const record = (candidate: Candidate, over: Partial<GuidRecord> = {}): GuidRecord => ({
  v: 1,
  guid: candidate.guid,
  attempts: 1,
  lastAt: T0,
  deliveryId: candidate.id,
  deliveredAt: candidate.deliveredAt,
  gaveUp: false,
  ...over,
});

describe("lookBack", () => {
  it("on the first sweep reads what GitHub keeps, 3 days", () => {
    expect(lookBack(freshState("h"), T0)).toEqual({ horizon: HORIZON, since: HORIZON, resume: null });
  });

  it("then reads since the last check, less the overlap", () => {
    const state = { ...freshState("h"), at: T0 - 5 * MINUTE };
    expect(lookBack(state, T0).since).toBe(T0 - 5 * MINUTE - OVERLAP_MS);
  });

  it("never before the horizon, for the newest pages and for the older ones left to resume", () => {
    const state = {
      ...freshState("h"),
      at: T0 - 5 * DELIVERY_RETENTION_MS,
      resume: { cursor: "v1_9", since: T0 - 4 * DELIVERY_RETENTION_MS },
    };
    expect(lookBack(state, T0)).toEqual({
      horizon: HORIZON,
      since: HORIZON,
      resume: { cursor: "v1_9", since: HORIZON },
    });
  });
});

describe("planRedeliveries", () => {
  it("takes the latest failed delivery of each GUID without a success, oldest first", () => {
    const older = delivery("a", 30);
    const latest = delivery("a", 10);
    const other = delivery("b", 20);
    const plan = planRedeliveries([], [latest, other, older], HORIZON);
    expect(plan).toEqual([asCandidate(other), asCandidate(latest)]);
  });

  it("skips a GUID with any OK delivery, even an older one", () => {
    expect(planRedeliveries([], [ok("a", 40), delivery("a", 10)], HORIZON)).toEqual([]);
  });

  it("redelivers workflow_run deliveries only", () => {
    const seen = [delivery("p", 5, { event: "ping" }), delivery("q", 5, { event: "push" })];
    expect(planRedeliveries([], seen, HORIZON)).toEqual([]);
  });

  it("keeps what waited from an earlier sweep, unless it succeeded since or GitHub no longer keeps it", () => {
    const waiting = asCandidate(delivery("waiting", 90));
    const succeeded = asCandidate(delivery("recovered", 80));
    const tooOld = asCandidate(delivery("old", DELIVERY_RETENTION_MS / MINUTE + 1));
    const plan = planRedeliveries([waiting, succeeded, tooOld], [ok("recovered", 1)], HORIZON);
    expect(plan).toEqual([waiting]);
  });

  it("one entry per GUID: a newer failure replaces the one that waited", () => {
    const waited = asCandidate(delivery("a", 60));
    const newer = delivery("a", 5);
    expect(planRedeliveries([waited], [newer], HORIZON)).toEqual([asCandidate(newer)]);
  });

  it("orders deliveries of the same time by id, as numbers", () => {
    const nine = delivery("x", 1, { id: "9" });
    const ten = delivery("y", 1, { id: "10" });
    expect(planRedeliveries([], [ten, nine], HORIZON).map(({ id }) => id)).toEqual(["9", "10"]);
  });
});

describe("guidAction", () => {
  const candidate = asCandidate(delivery("g", 5));

  it("redelivers a GUID never redelivered", () => {
    expect(guidAction(null, candidate)).toBe("redeliver");
  });

  it("skips a failure already redelivered, or older than the one redelivered", () => {
    expect(guidAction(record(candidate), candidate)).toBe("skip");
    const later = { ...candidate, id: "999999", deliveredAt: candidate.deliveredAt + MINUTE };
    expect(guidAction(record(later), candidate)).toBe("skip");
  });

  it(`redelivers a newer failure, up to ${MAX_ATTEMPTS_PER_GUID} attempts, then gives up`, () => {
    const earlier = { ...candidate, id: "1", deliveredAt: candidate.deliveredAt - MINUTE };
    expect(guidAction(record(earlier, { attempts: MAX_ATTEMPTS_PER_GUID - 1 }), candidate)).toBe("redeliver");
    expect(guidAction(record(earlier, { attempts: MAX_ATTEMPTS_PER_GUID }), candidate)).toBe("give-up");
  });
});

describe("stillWaiting", () => {
  const many = Array.from({ length: MAX_PENDING + 7 }, (_, index) =>
    asCandidate(delivery(`w${index}`, MAX_PENDING + 7 - index)),
  );

  it("keeps what was not handled", () => {
    expect(stillWaiting(many.slice(0, 5), 2)).toEqual({ pending: many.slice(2, 5), dropped: 0 });
  });

  it(`keeps ${MAX_PENDING} at most, the newest`, () => {
    const { pending, dropped } = stillWaiting(many, 0);
    expect(dropped).toBe(7);
    expect(pending).toEqual(many.slice(7));
  });
});

describe("forgotten", () => {
  const candidate = asCandidate(delivery("g", 5));

  it("forgets a GUID once GitHub no longer keeps its deliveries, and an unreadable record", () => {
    const last = T0 - DELIVERY_RETENTION_MS - OVERLAP_MS;
    expect(forgotten(record(candidate, { lastAt: last }), T0)).toBe(false);
    expect(forgotten(record(candidate, { lastAt: last - 1 }), T0)).toBe(true);
    expect(forgotten(null, T0)).toBe(true);
  });
});
