import path from "node:path";
import { defineConfig } from "vitest/config";

// The real-Inngest-server suites (tests/inngest-server/): `inngest dev` and `inngest start` beside
// `next start` on a production build, so they run after `next build` (scripts/test.ts), not in
// the main Vitest run. Their global setup decides whether they can run (the server binary,
// PostgreSQL, the build).
export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      "server-only": path.resolve(import.meta.dirname, "tests/stubs/server-only.ts"),
    },
  },
  test: {
    environment: "node",
    include: ["tests/inngest-server/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: "forks",
    // The two suites mostly wait on their servers; side by side they take the time of the longer.
    maxWorkers: 2,
    setupFiles: ["./tests/setup.ts"],
    globalSetup: ["./tests/inngest-server/global-setup.ts"],
  },
});
