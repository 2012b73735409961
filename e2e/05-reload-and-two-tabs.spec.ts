import { expect, test } from "./fixtures.ts";
import { ShopPage, MUG, NOTEBOOK } from "./support/shop-page.ts";

test.describe("Reload during checkout", () => {
  test("a shopper reloads the checkout, pays, reloads while paying and pays again: the same key throughout, one order", async ({ page, shop, records, payments }) => {
    const cartId = await shop.fillCart(NOTEBOOK);
    await shop.openCheckout();
    const key = await shop.idempotencyKey();

    await page.reload();
    await shop.expectCheckoutReady();
    expect(await shop.idempotencyKey()).toBe(key);

    // A slow payment (answered 1 s late, within the shop's timeout), so the reload lands mid-flight.
    await payments.injectFault(cartId, { kind: "delay_after_commit", ms: 1000 });
    const sent = page.waitForRequest((request) => request.method() === "POST" && Boolean(request.headers()["next-action"]));
    await shop.payButton().click();
    await sent;
    await page.reload();

    await expect(page.getByRole("status").filter({ hasText: "Your last payment was not confirmed yet" })).toBeVisible();
    await shop.retryWithSameKey(key);

    const orderId = await shop.expectOrderPage("Paid");
    await records.expectOnePaidOrder(cartId, { id: orderId, key });
    expect(await payments.forCart(cartId)).toMatchObject({ paymentIntents: 1, charges: 1, capturedAmount: 1400 });
  });
});

test.describe("Two tabs", () => {
  test("a shopper pays for the same cart in two tabs at once: both tabs show the one order, one charge", async ({ context, shop, records, payments }) => {
    const cartId = await shop.fillCart(MUG, NOTEBOOK);
    const first = shop;
    const second = new ShopPage(await context.newPage());
    await first.openCheckout();
    await second.openCheckout();
    // Both tabs read the checkout's key from the same browser storage.
    const key = await first.idempotencyKey();
    expect(await second.idempotencyKey()).toBe(key);

    // A slow payment, so the second request arrives while the first is still in flight.
    await payments.injectFault(cartId, { kind: "delay_after_commit", ms: 1000 });
    await Promise.all([first.payButton().click(), second.payButton().click()]);

    const orderId = await first.expectOrderPage("Paid");
    expect(await second.expectOrderPage("Paid")).toBe(orderId);

    const state = await records.expectOnePaidOrder(cartId, { id: orderId, key });
    expect(state.records).toHaveLength(1);
    expect(await payments.forCart(cartId)).toMatchObject({ paymentIntents: 1, charges: 1, capturedAmount: 3200 });
  });
});
