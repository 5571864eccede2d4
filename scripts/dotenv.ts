import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Reads the project's `.env` like the Netlify CLI does, without overriding what the shell already set.
 * VIGIE_DOTENV=false skips it (tests run the scripts with exactly the environment they give).
 */
export const loadDotEnv = (file: string = join(ROOT, ".env")): boolean => {
  if (process.env.VIGIE_DOTENV === "false" || !existsSync(file)) return false;
  for (const [name, value] of Object.entries(parseEnv(readFileSync(file, "utf8")))) {
    if (process.env[name] === undefined) process.env[name] = value;
  }
  return true;
};
