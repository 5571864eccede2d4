/**
 * `npm run readme:variables`: rewrites the variable table of README.md from src/config/variables.ts
 * (test/unit/config/readme-table.test.ts fails while they disagree).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { TABLE_END, TABLE_START, withVariableTable } from "../src/config/readme-table.ts";

const README = join(resolve(dirname(fileURLToPath(import.meta.url)), ".."), "README.md");
const updated = withVariableTable(readFileSync(README, "utf8"));
if (updated === null) {
  console.error(`README.md has no ${TABLE_START} … ${TABLE_END} markers`);
  process.exit(1);
}
writeFileSync(README, updated);
console.log("README.md: variable table updated");
