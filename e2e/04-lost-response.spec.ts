import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures.ts";
import { MUG, SCOOP } from "./support/shop-page.ts";

/**
 * The network loses the answer to the next Pay request: the request reaches the shop, which
 * places the order and charges the card, but the browser sees the connection drop.
 */
async function loseNextCheckoutAnswer(page: Page): Promise<() => Promise<void>> {
  let status = 0;
  await page.route(
    "**/checkout",
    async (route) => {
      if (route.request().method() !== "POST" || !route.request().headers()["next-action"]) return route.fallback();
      status = (await route.fetch()).status();
      await route.abort("connectionreset");
    },
    { times: 1 },
  );
  return async () => {
    await expect.poll(() => status, { message: "the shop answered the lost request" }).toBeGreaterThan(0);
  };
}

test.describe("Lost response", () => {
  test("the answer to Pay is lost on the way back: the shopper is told retrying is safe, retries the same payment and sees the one paid order", async ({ page, shop, records, payments }) => {
    const cartId = await shop.fillCart(MUG, SCOOP);
    await shop.openCheckout();
    const key = await shop.idempotencyKey();
    const answered = await loseNextCheckoutAnswer(page);

    await shop.payButton().click();

    await expect(shop.alert("Connection lost — retrying is safe")).toBeVisible();
    await answered();
    // The shop did place the order and empty the cart; the browser never heard of it.
    expect((await records.state({ cartId })).orders).toMatchObject([{ idempotencyKey: key, status: "paid" }]);

    await expect(shop.retryButton()).toBeVisible();
    await shop.retryWithSameKey(key);

    const orderId = await shop.expectOrderPage("Paid");
    await expect(await shop.openMailbox()).toHaveCount(1);

    const state = await records.expectOnePaidOrder(cartId, { id: orderId, key });
    expect(state.records).toMatchObject([{ key, recoveryPoint: "finished" }]);
    // The retry was answered from the stored answer: the payments server heard of this cart once.
    expect(await payments.forCart(cartId)).toMatchObject({ paymentIntents: 1, charges: 1, capturedAmount: 3000, requests: { executed: 1, replayed: 0 } });
  });

  test("the answer to Pay is lost and the shopper reloads: the checkout offers to check that payment, and it is the one paid order", async ({ page, shop, records, payments }) => {
    const cartId = await shop.fillCart(SCOOP);
    await shop.openCheckout();
    const key = await shop.idempotencyKey();
    const answered = await loseNextCheckoutAnswer(page);

    await shop.payButton().click();
    await answered();
    await expect(shop.alert("Connection lost")).toBeVisible();

    await page.reload();
    await expect(page.getByRole("status").filter({ hasText: "Your last payment was not confirmed yet" })).toBeVisible();
    await shop.retryWithSameKey(key);

    const orderId = await shop.expectOrderPage("Paid");
    await records.expectOnePaidOrder(cartId, { id: orderId, key });
    expect(await payments.forCart(cartId)).toMatchObject({ paymentIntents: 1, charges: 1, requests: { executed: 1 } });

    // Answered at last: the checkout no longer offers to check it.
    await page.goto("/checkout");
    await expect(page.getByText("Your cart is empty")).toBeVisible();
    await expect(shop.retryButton()).toHaveCount(0);
  });
});
