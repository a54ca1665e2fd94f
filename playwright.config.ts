import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";

// E2E runs against `next start` (run `next build` first; `npm test` does). The server gets a fresh
// DATA_DIR and, when the test runner provides one, its own PostgreSQL database (E2E_DATABASE_URL);
// otherwise the embedded PGlite.
const PORT = Number(process.env.E2E_PORT ?? 3210);
export const E2E_BASE_URL = `http://127.0.0.1:${PORT}`;
const SIM_PORT = Number(process.env.E2E_SIM_PORT ?? PORT + 5);
process.env.E2E_SIM_PORT = String(SIM_PORT);
const SIM_SECRET = "e2e-sim-secret-4f1d2c3b";
const SIM_CONTROL_KEY = "e2e-sim-control";
if (!process.env.E2E_DATA_DIR) process.env.E2E_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "nbpdm-e2e-"));

// Debian's Chromium where it exists (machines without internet), else Playwright's own browser.
const systemChromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));

export default defineConfig({
  testDir: "./e2e",
  outputDir: "./test-results/e2e",
  workers: 1,
  fullyParallel: false,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  globalSetup: "./e2e/global-setup.ts",
  use: {
    ...devices["Desktop Chrome"],
    baseURL: E2E_BASE_URL,
    viewport: { width: 1280, height: 800 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: systemChromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: [
    {
      // The PDM the e2e endpoints talk to (fixed credentials; its certificate is read from /__sim/state).
      command: `npx tsx scripts/pdm-sim.ts --port ${SIM_PORT} --remotes 24 --seed 7 --auth-delay 0 --latency 2 --token-secret ${SIM_SECRET} --control-key ${SIM_CONTROL_KEY}`,
      url: `https://127.0.0.1:${SIM_PORT}/api2/json/ping`,
      ignoreHTTPSErrors: true,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
    },
    {
    command: `npx next start -p ${PORT} -H 127.0.0.1`,
    url: `${E2E_BASE_URL}/api/status/`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      DATA_DIR: process.env.E2E_DATA_DIR,
      DATABASE_URL: process.env.E2E_DATABASE_URL ?? "",
      SECRET_KEY: "e2e-secret-key-0123456789abcdefghij",
      SUPERUSER_NAME: "admin",
      SUPERUSER_PASSWORD: "e2e-admin-password",
      SUPERUSER_API_TOKEN: "E2Eadmin0token0000000000000000000000000A",
      LOG_LEVEL: "warn",
      ...(process.env.NEXT_DIST_DIR ? { NEXT_DIST_DIR: process.env.NEXT_DIST_DIR } : {}),
    },
    },
  ],
});
