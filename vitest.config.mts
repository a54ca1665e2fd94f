import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      // Server modules are marked server-only (a client component importing one fails the build);
      // tests run them directly.
      "server-only": path.resolve(import.meta.dirname, "tests/stubs/server-only.ts"),
    },
  },
  test: {
    environment: "node",
    include: ["**/*.test.ts"],
    // tests/inngest-server/ runs on a production build, after `next build` (vitest.inngest.config.mts).
    exclude: ["node_modules/**", ".next/**", ".next-*/**", "e2e/**", "data/**", "tests/inngest-server/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    setupFiles: ["./tests/setup.ts"],
    globalSetup: ["./tests/global-setup.ts"],
  },
});
