import { describe, expect, it } from "vitest";
import { conditionalUpdate, type Decision } from "../../../src/store/conditional-update.ts";
import { MemoryStore } from "../../../src/store/memory-store.ts";

interface Counter {
  readonly n: number;
}

const readCount = (value: unknown): number =>
  typeof value === "object" && value !== null && "n" in value && typeof value.n === "number" ? value.n : 0;

describe("conditionalUpdate's written value", () => {
  it("is the record type named: a count read out of { n } is written back as { n }", async () => {
    const store = new MemoryStore();
    const outcome = await conditionalUpdate<number, number, Counter>(store, "streams/c", readCount, (n) => ({
      write: true,
      next: { n: n + 1 },
      value: n + 1,
    }));
    expect(outcome).toEqual({ kind: "done", value: 1, written: true });
    expect(await store.read("streams/c")).toEqual({ n: 1 });
  });

  it("refuses, at compile time, a next value that is not the record", () => {
    const decide = (n: number): Decision<number, Counter> =>
      // @ts-expect-error: `count` is not a field of Counter, `n` is missing
      ({ write: true, next: { count: n + 1 }, value: n + 1 });
    expect(decide(0).value).toBe(1);
  });
});
