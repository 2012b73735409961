import { randomUUID } from "node:crypto";
import type { APIRequestContext } from "@playwright/test";
import type { AdminMetricsResponse } from "../lib/metrics-history.ts";
import { demoApiKey } from "./support/demo-api-key.ts";
import { expect, test } from "./fixtures.ts";

async function adminMetrics(request: APIRequestContext): Promise<AdminMetricsResponse> {
  const response = await request.get("/api/admin/metrics");
  expect(response.status()).toBe(200);
  return (await response.json()) as AdminMetricsResponse;
}

const numberIn = (text: string | null) => Number((text ?? "").replace(/[^\d.]/g, ""));

test.describe("Admin dashboard", () => {
  test("API checkouts, a replay and a key reused for another payload show up in the headline numbers and the charts", async ({ page, request }, testInfo) => {
    const before = (await adminMetrics(request)).health;
    const key = randomUUID();
    const checkout = (paymentMethod: string) =>
      request.post("/api/checkout", {
        headers: { authorization: `Bearer ${demoApiKey()}`, "idempotency-key": key },
        data: { items: [{ slug: "stoneware-mug", quantity: 1 }], paymentMethod },
      });

    const first = await checkout("pm_card_visa");
    expect(first.status()).toBe(201);
    const again = await checkout("pm_card_visa");
    expect(again.status()).toBe(201);
    expect(again.headers()["idempotent-replayed"]).toBe("true");
    expect((await again.json()).order.id).toBe((await first.json()).order.id);
    expect((await checkout("pm_card_chargeDeclined")).status()).toBe(422);

    // The sampler runs inside the server (started with its maintenance loop): the replay reaches
    // the history within a sample or two.
    await expect
      .poll(async () => (await adminMetrics(request)).intervals.reduce((sum, interval) => sum + interval.checkoutsPerSecond.replayed * interval.seconds, 0), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(0.99);

    // recharts reports sizing and rendering problems (a 0×0 container, bad data) on the console.
    const consoleErrors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") consoleErrors.push(message.text());
    });
    await page.goto("/admin");
    await expect(page.getByRole("heading", { level: 1, name: "Operator dashboard" })).toBeVisible();
    // Other scenarios may share this server: at least what this test did, never less.
    await expect.poll(async () => numberIn(await page.getByTestId("duplicates-prevented").textContent())).toBeGreaterThanOrEqual(before.duplicatesPrevented + 1);
    await expect.poll(async () => numberIn(await page.getByTestId("key-reuse-mismatch").textContent())).toBeGreaterThanOrEqual(before.keyReuseMismatch + 1);
    await expect(page.getByTestId("duplicate-request-rate")).toHaveText(/^\d+(\.\d)?%$/);
    expect(numberIn(await page.getByTestId("duplicate-request-rate").textContent())).toBeGreaterThan(0);

    for (const chart of ["checkout-requests", "checkout-latency", "stripe-calls", "webhook-deliveries", "maintenance"]) {
      const section = page.getByTestId(`chart-${chart}`);
      await expect(section.locator("svg.recharts-surface").first()).toBeVisible();
      await expect(section.locator(".recharts-line, .recharts-area").first()).toBeAttached();
    }
    const requests = page.getByTestId("chart-checkout-requests");
    await expect(requests.locator(".recharts-legend-item")).toHaveText(["New", "Replayed", "In flight (409)", "Key reused, other payload (422)", "Rejected", "Payment status unknown", "Busy (503)"]);
    // The replayed band is drawn (a path with points), not only named in the legend.
    await expect(requests.locator(".recharts-area").nth(1).locator("path.recharts-area-curve")).toHaveAttribute("d", /\d/);

    await expect(page.getByRole("heading", { name: "Recent steps" })).toBeVisible();
    // Operators see scope hashes, never a shopper's raw idempotency key.
    expect(await page.content()).not.toContain(key);

    expect(consoleErrors).toEqual([]);
    await testInfo.attach("admin-dashboard.png", { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });
  });
});
