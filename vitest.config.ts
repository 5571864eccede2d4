import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests start Netlify's local runtime; they need time to boot but never assert timings.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
