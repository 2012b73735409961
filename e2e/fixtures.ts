import { test as base, expect } from "@playwright/test";
import { ShopPage } from "./support/shop-page.ts";

/** `shop` drives the storefront like a shopper; observers in support/ read both sides' records. */
export const test = base.extend<{ shop: ShopPage }>({
  shop: async ({ page }, provide) => {
    await provide(new ShopPage(page));
  },
});

export { expect };
