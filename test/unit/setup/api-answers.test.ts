import { describe, expect, it } from "vitest";
import { array } from "zod/mini";
import { githubHookSchema, readAnswer, UnexpectedAnswerError } from "../../../src/setup/api-answers.ts";

describe("API answers are parsed, not cast", () => {
  const hook = { id: 1, name: "web", active: true, events: ["workflow_run"], config: { url: "https://x" } };

  it("keeps the fields vigie reads", () => {
    expect(readAnswer(array(githubHookSchema), [{ ...hook, extra: 1 }], "GET /orgs/o/hooks")).toEqual([hook]);
  });

  it("refuses an answer of another shape, naming the call", () => {
    const read = () => readAnswer(array(githubHookSchema), [{ ...hook, events: "all" }], "GET /orgs/o/hooks");
    expect(read).toThrow(UnexpectedAnswerError);
    expect(read).toThrow("GET /orgs/o/hooks did not answer what its API documents");
  });
});
