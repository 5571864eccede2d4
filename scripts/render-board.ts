/**
 * `npm run render-board [-- --write]`: the README's pictures of the board, on a desktop (docs/board.png)
 * and on a 390 px phone (docs/board-phone.png). A fixed state (scripts/board-state.ts) in the in-memory
 * store, served by the real route handler (src/status/) on 127.0.0.1, opened by headless Chromium with
 * HTTP Basic credentials, as an operator would. No network. Without --write the pictures go to a
 * temporary directory (the committed ones stay as they are); the path is printed.
 *
 * Needs Chromium (Debian: `apt-get install chromium`); CHROMIUM=path picks another binary.
 */
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { memoryLogger } from "../src/log.ts";
import { handleStatus } from "../src/status/handle-status.ts";
import { MemoryStore } from "../src/store/memory-store.ts";
import { SCREENSHOT, seedBoard } from "./board-state.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const write = process.argv.includes("--write");
const OUT = write ? join(ROOT, "docs") : mkdtempSync(join(tmpdir(), "vigie-board-"));
const TOKEN = "render-board-token";
const NOW = Date.parse("2026-11-27T15:00:00Z");

/** Flags for a headless Chromium that reaches nothing but 127.0.0.1. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const store = new MemoryStore();
await seedBoard(store, NOW, SCREENSHOT);
const env = {
  GITHUB_WEBHOOK_SECRET: "x",
  NETLIFY_WEBHOOK_SECRET: "x",
  SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T000/B000/XXX",
  VIGIE_STATUS_TOKEN: TOKEN,
};
const server = createServer(async (req, res) => {
  const response = await handleStatus(
    new Request(`http://127.0.0.1${req.url ?? "/"}`, {
      method: req.method ?? "GET",
      headers: Object.entries(req.headers).flatMap(([name, value]) =>
        typeof value === "string" ? [[name, value] as [string, string]] : [],
      ),
    }),
    { env, log: memoryLogger().log, store: () => store, now: () => NOW },
  );
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
});
await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
const { port } = server.address() as AddressInfo;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: CHROMIUM_ARGS,
});
try {
  for (const [file, viewport] of [
    ["board.png", { width: 1100, height: 900 }],
    ["board-phone.png", { width: 390, height: 844 }],
  ] as const) {
    const context = await browser.newContext({
      httpCredentials: { username: "ops", password: TOKEN },
      viewport,
      deviceScaleFactor: 1,
    });
    const page = await context.newPage();
    const answer = await page.goto(`http://127.0.0.1:${port}/status`);
    if (answer?.status() !== 200) throw new Error(`the board answered ${answer?.status()}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > viewport.width)
      throw new Error(`the board scrolls sideways at ${viewport.width} px (${width} px wide)`);
    await page.screenshot({ path: join(OUT, file), fullPage: true });
    console.log(`wrote ${join(OUT, file)}`);
    await context.close();
  }
  if (!write)
    console.log("(the committed pictures are unchanged: npm run render-board -- --write replaces them)");
} finally {
  await browser.close();
  server.close();
}
