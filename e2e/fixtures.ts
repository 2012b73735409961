import { test as base, expect } from "@playwright/test";
import { IsolatedShop } from "./support/isolated-shop.ts";
import { PaymentsServer, ShopRecords } from "./support/observers.ts";
import { ShopPage } from "./support/shop-page.ts";

type Fixtures = {
  /** The storefront, driven like a shopper. */
  shop: ShopPage;
  /** The shop's records (orders, idempotency records, webhook events), through its test endpoints. */
  records: ShopRecords;
  /** The local payments server: its counts, and faults or webhook shaping for one cart. */
  payments: PaymentsServer;
};

/** Scenarios against the shared shop that playwright.config.ts starts for the run. */
export const test = base.extend<Fixtures>({
  shop: async ({ page }, provide) => {
    await provide(new ShopPage(page));
  },
  records: async ({ request }, provide) => {
    await provide(new ShopRecords(request));
  },
  payments: async ({ request }, provide) => {
    await provide(new PaymentsServer(request));
  },
});

/**
 * Scenarios that need a shop of their own, to crash it: `isolatedShop` starts one (own ports,
 * own database, own payments server) and always tears it down, even when the test fails. The
 * page, `records` and `payments` of such a test all point at it.
 */
export const isolatedTest = test.extend<{ isolatedShop: IsolatedShop }>({
  isolatedShop: [
    async ({}, provide, testInfo) => {
      const shop = await IsolatedShop.create();
      try {
        await shop.start();
        await provide(shop);
      } finally {
        if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach("isolated-shop.log", { body: shop.logTail(200), contentType: "text/plain" });
        await shop.dispose();
      }
    },
    { timeout: 120_000 },
  ],
  baseURL: async ({ isolatedShop }, provide) => {
    await provide(isolatedShop.url);
  },
  records: async ({ request, isolatedShop }, provide) => {
    await provide(new ShopRecords(request, isolatedShop.url));
  },
  payments: async ({ request, isolatedShop }, provide) => {
    await provide(new PaymentsServer(request, isolatedShop.paymentsUrl));
  },
});

export { expect };
