import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, expect as expectPage, type Browser } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "../../../scripts/db/scratch-database.ts";
import { requireBuild, requireNginx } from "../../preflight.ts";
import { startCluster, type Cluster } from "../../supervisor.ts";

/**
 * A person shops through the load balancer in a browser, as with `npm run dev`: pages, server
 * actions and the webhook all go through nginx, and the session's requests are served by more than
 * one instance. Needs a production build, PostgreSQL and nginx (CI runs it after the build).
 */
describe("the cluster in a browser", () => {
  let cluster: Cluster;
  let browser: Browser;
  let drop: () => Promise<void>;
  const runDir = mkdtempSync(path.join(tmpdir(), "cluster-browser-"));

  beforeAll(async () => {
    requireBuild(process.cwd());
    const database = await createScratchDatabase(process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres", "cluster_browser");
    drop = database.drop;
    cluster = await startCluster({ database: { url: database.url }, instances: 2, nginxBinary: requireNginx(process.env), runDir, environment: { ...process.env, LOG_LEVEL: "warn" }, log: () => {} });
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  });

  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
    await drop?.();
    rmSync(runDir, { recursive: true, force: true });
  });

  it("fills a cart and pays once, across instances", async () => {
    const page = await browser.newPage({ baseURL: cluster.url });
    const instances = new Set<string>();
    page.on("response", (response) => {
      const upstream = response.headers()["x-cluster-upstream"];
      if (upstream && !response.url().includes("/_next/static/")) instances.add(upstream);
    });
    await page.goto("/products/stoneware-mug");
    await page.getByRole("button", { name: "Add to cart" }).click();
    await expectPage(page.getByRole("status").filter({ hasText: /Added/ })).toBeVisible();
    await page.goto("/checkout");
    const pay = page.getByRole("button", { name: /^Pay \$18\.00$/ });
    await expectPage(pay).toBeEnabled();
    await pay.click();
    await expectPage(page.getByTestId("order-status")).toHaveText("Paid", { timeout: 30_000 });
    expect(new URL(page.url()).pathname).toMatch(/^\/orders\/[a-z0-9]+$/);
    expect(instances.size).toBe(2);
  });
});
