// End-to-end tests in Debian's Chromium against the production build served by `wrangler dev`
// (workerd), with its own local libSQL database. `npm test` builds first; `npm run test:e2e` alone
// expects a build in build/.
import { defineConfig } from "@playwright/test";

const port = Number(process.env.E2E_PORT ?? 8799);
/** A second server on a fresh, never set-up instance, for the first-run wizard (tests/e2e/setup.spec.ts). */
const freshPort = Number(process.env.E2E_FRESH_PORT ?? 8798);

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"], ["json", { outputFile: "test-results/e2e.json" }]],
  use: {
    baseURL: `http://localhost:${port}`,
    browserName: "chromium",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
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
      command: `node tests/e2e/serve.ts ${port}`,
      url: `http://localhost:${port}/readyz`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      command: `node tests/e2e/serve.ts ${freshPort} fresh`,
      url: `http://localhost:${freshPort}/readyz`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
    },
  ],
});
