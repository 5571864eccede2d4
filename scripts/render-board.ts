/**
 * `npm run render-board`: the README's picture of the board (docs/board.png). A fixed state
 * (scripts/board-state.ts) in the in-memory store, served by the real route handler (src/status/) on
 * 127.0.0.1, opened by headless Chromium with HTTP Basic credentials, as an operator would. No network.
 *
 * Needs Chromium (Debian: `apt-get install chromium`); CHROMIUM=path picks another binary.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { memoryLogger } from "../src/log.ts";
import { handleStatus } from "../src/status/handle-status.ts";
import { MemoryStore } from "../src/store/memory-store.ts";
import { SCREENSHOT, seedBoard } from "./board-state.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "docs", "board.png");
const TOKEN = "render-board-token";
const NOW = Date.parse("2026-11-27T15:00:00Z");

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

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium" });
try {
  const context = await browser.newContext({
    httpCredentials: { username: "ops", password: TOKEN },
    viewport: { width: 1100, height: 900 },
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  const answer = await page.goto(`http://127.0.0.1:${port}/status`);
  if (answer?.status() !== 200) throw new Error(`the board answered ${answer?.status()}`);
  await page.screenshot({ path: OUT, fullPage: true });
  console.log(`wrote ${OUT}`);
} finally {
  await browser.close();
  server.close();
}
