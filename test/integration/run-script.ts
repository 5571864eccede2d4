import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./harness.ts";

const TSX = join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs");

/**
 * Runs one of the project's scripts as a user would (`npm run setup -- …` is `tsx scripts/setup.ts …`),
 * with exactly `env` (plus PATH and HOME; no .env), and returns its exit code and output.
 */
export const runScript = (
  script: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX, join(REPO_ROOT, "scripts", script), ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", VIGIE_DOTENV: "false", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
