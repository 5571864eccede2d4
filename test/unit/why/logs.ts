import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** A log from test/fixtures/logs/ (real-shaped GitHub job logs and GitLab traces, written for these tests). */
export const fixtureLog = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/logs/${name}`, import.meta.url)), "utf8");

/** A GitHub job log of about `megabytes` MB: a chatty build step, then a failed one at the very end. */
export const hugeGithubLog = (megabytes: number): string => {
  const line = `2026-12-07T10:00:00.0000000Z ${"npm verb reify adding a dependency to the tree, ".repeat(3)}\n`;
  const chatty = line.repeat(Math.ceil((megabytes * 1024 * 1024) / line.length));
  return `2026-12-07T10:00:00.0000000Z ##[group]Run npm run build\n2026-12-07T10:00:00.0000000Z ##[endgroup]\n${chatty}${fixtureLog("github-hugo.log")}`;
};
