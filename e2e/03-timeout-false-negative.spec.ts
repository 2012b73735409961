import { expect, test } from "./fixtures.ts";
import { BEANS } from "./support/shop-page.ts";

test.describe("Timeout false negative", () => {
  test("the payment goes through but its answer comes too late: the shopper is told retrying is safe, tries again, and sees the one paid order", async ({ shop, records, payments }) => {
    const cartId = await shop.fillCart(BEANS);
    await shop.openCheckout();
    const key = await shop.idempotencyKey();

    // The payments server charges, then holds its answer past the shop's Stripe timeout (2 s in
    // the e2e config), twice: the first attempt and the Stripe SDK's own retry both time out.
    await payments.injectFault(cartId, { kind: "delay_after_commit", ms: 3000 }, 2);
    // Its webhook is late too (otherwise it would tell the shop first): only a retry can find out.
    await payments.shapeWebhooks(cartId, { delayMs: 20_000 });
    await shop.payButton().click();

    await expect(shop.alert("Its status is unknown")).toContainText("paying again is safe");
    expect(await payments.forCart(cartId)).toMatchObject({ paymentIntents: 1, charges: 1 });
    // The shop kept the same key for the retry.
    expect(await shop.idempotencyKey()).toBe(key);

    await shop.payButton().filter({ hasText: "Try again" }).click();

    const orderId = await shop.expectOrderPage("Paid");
    await expect(await shop.openMailbox()).toHaveCount(1);

    await records.expectOnePaidOrder(cartId, { id: orderId, key });
    // The retry asked again under the same Stripe key and got the first charge back, replayed.
    expect(await payments.forCart(cartId)).toMatchObject({ paymentIntents: 1, charges: 1, capturedAmount: 1600 });
  });
});
