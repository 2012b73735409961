import { expect, test } from "./fixtures.ts";
import { SCOOP } from "./support/shop-page.ts";

test.describe("Declined card", () => {
  test("the card is declined: the failed order shows the reason, and paying again with another card makes one charge", async ({ page, shop, records, payments }) => {
    const cartId = await shop.fillCart(SCOOP);
    await shop.openCheckout();
    await shop.choosePaymentMethod("Card declined");
    const declinedKey = await shop.idempotencyKey();
    await shop.payButton().click();

    await expect(shop.alert("Your card was declined (generic_decline)")).toBeVisible();
    await page.getByRole("link", { name: "View failed order" }).click();
    const failedOrderId = await shop.expectOrderPage("Failed");
    await expect(shop.alert("Payment failed (generic_decline)")).toContainText("Nothing was charged");

    await page.getByRole("link", { name: "try another payment method" }).click();
    await shop.expectCheckoutReady();
    await shop.choosePaymentMethod("Visa ending 4242");
    const visaKey = await shop.idempotencyKey();
    expect(visaKey).not.toBe(declinedKey);
    await shop.payButton().click();

    const paidOrderId = await shop.expectOrderPage("Paid");
    expect(paidOrderId).not.toBe(failedOrderId);
    await expect(await shop.openMailbox()).toHaveCount(1);

    const state = await records.settledState({ cartId });
    expect(state.orders).toMatchObject([
      { id: failedOrderId, idempotencyKey: declinedKey, status: "failed", messages: [], payments: [{ status: "failed" }] },
      { id: paidOrderId, idempotencyKey: visaKey, status: "paid", messages: [{ kind: "order_confirmation" }], payments: [{ status: "succeeded" }] },
    ]);
    expect(await payments.forCart(cartId)).toMatchObject({ paymentIntents: 2, charges: 1, capturedAmount: 1200 });
  });
});
