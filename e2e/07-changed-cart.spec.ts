import { expect, test } from "./fixtures.ts";
import { MUG, NOTEBOOK } from "./support/shop-page.ts";

test.describe("Changed cart", () => {
  test("after a failed attempt the shopper changes the cart: a new key is used, and the old key sent with the new cart is refused", async ({ page, shop, records, payments }) => {
    const cartId = await shop.fillCart(MUG);
    await shop.openCheckout();
    await shop.choosePaymentMethod("Card declined");
    const declinedKey = await shop.idempotencyKey();
    await shop.payButton().click();
    await expect(shop.alert("Your card was declined")).toBeVisible();

    // The shopper adds a notebook: a different cart, so a different checkout with its own key.
    await shop.addToCart(NOTEBOOK);
    await shop.openCheckout();
    await expect(page.getByTestId("checkout-total")).toHaveText("$32.00");
    const newKey = await shop.idempotencyKey();
    expect(newKey).not.toBe(declinedKey);

    // A stale form (or a buggy client) sends the old key with the new cart: refused, nothing charged.
    await page.locator('form input[name="idempotencyKey"]').evaluate((input, key) => ((input as HTMLInputElement).value = key), declinedKey);
    await shop.payButton().click();
    await expect(shop.alert("its idempotency key belongs to a different checkout")).toContainText("already used for a different request");
    await expect(page).toHaveURL(/\/checkout$/);
    expect(await payments.forCart(cartId)).toMatchObject({ paymentIntents: 1, charges: 0 });

    // Paying the new cart with its own key works, once.
    expect(await shop.idempotencyKey()).toBe(newKey);
    await shop.payButton().click();
    const orderId = await shop.expectOrderPage("Paid");

    const state = await records.settledState({ cartId });
    expect(state.orders).toHaveLength(2);
    expect(state.orders).toMatchObject([
      { idempotencyKey: declinedKey, status: "failed", totalCents: 1800, messages: [] },
      { id: orderId, idempotencyKey: newKey, status: "paid", totalCents: 3200, messages: [{ kind: "order_confirmation" }] },
    ]);
    expect(await payments.forCart(cartId)).toMatchObject({ paymentIntents: 2, charges: 1, capturedAmount: 3200 });
  });
});
