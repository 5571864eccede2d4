import { describe, expect, expectTypeOf, it } from "vitest";
import {
  type FailureEvent,
  type FailureOutcome,
  type GithubRunEvent,
  isFailureEvent,
  type RunEvent,
} from "../../src/event.ts";

describe("isFailureEvent narrows the event itself", () => {
  it("keeps the source's own type and types the outcome", () => {
    const narrow = (event: GithubRunEvent) => (isFailureEvent(event) ? event : null);
    expectTypeOf(narrow).returns.toEqualTypeOf<FailureEvent<GithubRunEvent> | null>();
    expectTypeOf<FailureEvent<GithubRunEvent>["outcome"]>().toEqualTypeOf<FailureOutcome>();
    expectTypeOf<FailureEvent<GithubRunEvent>["runId"]>().toEqualTypeOf<GithubRunEvent["runId"]>();
  });

  it("is true for failure outcomes only", () => {
    const outcome = (value: string) => isFailureEvent({ outcome: value } as RunEvent);
    expect(["failure", "timed_out", "startup_failure", "deploy_error"].map(outcome)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(["success", "cancelled", "skipped"].map(outcome)).toEqual([false, false, false]);
  });
});
