import { defineConfig, devices } from "@playwright/test";

// Ports are chosen once, in the main process; workers inherit them through the environment.
const randomPort = () => String(20_000 + Math.floor(Math.random() * 20_000));
process.env.E2E_PORT ??= randomPort();
process.env.E2E_PAYMENTS_PORT ??= randomPort();
const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;
process.env.E2E_BASE_URL = baseURL;
process.env.E2E_PAYMENTS_URL = `http://127.0.0.1:${process.env.E2E_PAYMENTS_PORT}`;
// Secrets the scenarios share with the shop they test.
process.env.E2E_WEBHOOK_SECRET ??= "whsec_e2e_secret";
process.env.E2E_METRICS_TOKEN ??= `e2e_metrics_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

// Debian's Chromium: Playwright cannot download its own browsers on these machines.
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: true,
  // Most of a scenario's time is spent waiting on the shop; two workers fit a 2-core machine.
  workers: Number(process.env.E2E_WORKERS ?? 2),
  retries: process.env.CI ? 1 : 0,
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    video: "off",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath: chromium,
          args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        },
      },
    },
  ],
  webServer: {
    command: "node --import tsx e2e/support/serve.ts",
    url: `${baseURL}/api/health`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
    env: {
      PORT: process.env.E2E_PORT,
      PAYMENTS_PORT: process.env.E2E_PAYMENTS_PORT,
      STRIPE_WEBHOOK_SECRET: process.env.E2E_WEBHOOK_SECRET,
      METRICS_TOKEN: process.env.E2E_METRICS_TOKEN,
      STRIPE_TIMEOUT_MS: "2000",
      STRIPE_MAX_NETWORK_RETRIES: "1",
      CHECKOUT_LOCK_TIMEOUT_MS: "4000",
      CHECKOUT_WAIT_MS: "10000",
      PAYMENTS_ASYNC_SETTLE_MS: "1500",
      MAILBOX_SHOW_ALL: "0",
      LOG_LEVEL: "warn",
      // Scenario 10 compares the real checkout with the unsafe teaching variant.
      DEMO_UNSAFE_CHECKOUT: "1",
      DEMO_MODE: "1",
      // The lab's "Redis lock versus database claim" (the shared Redis, under a per-run key prefix).
      REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    },
  },
});
