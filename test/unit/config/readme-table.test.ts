import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { TABLE_END, TABLE_START, variableTable } from "../../../src/config/readme-table.ts";
import { VARIABLE_NAMES } from "../../../src/config/variables.ts";

const read = (file: string) => readFileSync(new URL(`../../../${file}`, import.meta.url), "utf8");

describe("the README and .env.example follow the variable table", () => {
  it("README.md's variable table is the generated one (npm run readme:variables)", () => {
    const readme = read("README.md");
    const start = readme.indexOf(TABLE_START);
    const end = readme.indexOf(TABLE_END);
    expect(start).toBeGreaterThan(0);
    expect(readme.slice(start + TABLE_START.length, end).trim()).toBe(variableTable());
  });

  it("every variable of .env.example, set or commented out, is in the table", () => {
    const example = read(".env.example");
    const named = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]);
    expect(named.length).toBeGreaterThan(10);
    // Named destinations (SLACK_WEBHOOK_URL_<NAME>, SLACK_WEBHOOK_FORMAT_<NAME>) have free names.
    const destination = /^SLACK_WEBHOOK_(?:URL|FORMAT)_[A-Z0-9_]+$/;
    for (const name of named.filter((n) => !destination.test(n as string)))
      expect(VARIABLE_NAMES).toContain(name);
    expect(Object.keys(parseEnv(example)).length).toBeGreaterThan(0);
  });

  // Issue 13: the `.env` step sat in a paragraph, and nothing said that a running server keeps its settings.
  it("the README's first command block copies .env.example and says to restart after editing .env", () => {
    const readme = read("README.md");
    const block = readme.slice(readme.indexOf("## Try it")).match(/```sh\n([\s\S]*?)```/)?.[1] ?? "";
    expect(block).toContain("cp .env.example .env");
    expect(block).toMatch(/restart after editing \.env/);
  });
});
