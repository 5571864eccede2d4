/** The rules a newcomer relies on, checked over the tree: a reader accepts the few casts left, and so on. */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const filesUnder = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.m?ts$/.test(entry.name))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
const read = (file: string): string => readFileSync(join(ROOT, file), "utf8");

const MAX_ASSERTIONS = 12;

const assertionsIn = (file: string): string[] => {
  const source = ts.createSourceFile(file, read(file), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) &&
      node.type.getText(source) !== "const"
    )
      found.push(`${file}: ${node.getText(source).slice(0, 80)}`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
};

describe("the codebase's own rules", () => {
  it(`at most ${MAX_ASSERTIONS} type assertions in src/, none through unknown`, () => {
    const all = filesUnder("src").flatMap(assertionsIn);
    expect(all.filter((text) => /as unknown as/.test(text))).toEqual([]);
    expect(all.length, all.join("\n")).toBeLessThanOrEqual(MAX_ASSERTIONS);
  });

  it("no file in src/, scripts/, bench/ or samples/ over 400 lines", () => {
    const long = ["src", "scripts", "bench", "samples"]
      .flatMap(filesUnder)
      .filter((file) => read(file).split("\n").length > 401);
    expect(long).toEqual([]);
  });

  it("scripts never import test/, and unit tests never import bench/", () => {
    const imports = (file: string, target: RegExp) =>
      [...read(file).matchAll(/from "([^"]+)"/g)].some(([, path]) => target.test(path ?? ""));
    expect(filesUnder("scripts").filter((file) => imports(file, /(^|\/)test\//))).toEqual([]);
    expect(filesUnder("test/unit").filter((file) => imports(file, /(^|\/)bench\//))).toEqual([]);
  });

  it("comments point inside the repository and name no issue", () => {
    const outside = /issue [0-9]|issue #|BENCHMARKS\.md, "|STYLE\.md|DESIGN\.md|\.\.\/shared/;
    const found = ["src", "scripts", "bench", "netlify"].flatMap(filesUnder).flatMap((file) =>
      read(file)
        .split("\n")
        .flatMap((line, i) => (outside.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });
});
