import { expect, isolatedTest as test } from "./fixtures.ts";
import { MUG, SCOOP } from "./support/shop-page.ts";

test.describe("Crash", () => {
  test.describe.configure({ timeout: 180_000 });

  test("the shop is killed after the card was charged and before the order was marked paid; restarted, it finishes the same order when the shopper retries", async ({ isolatedShop, shop, records, payments }) => {
    const cartId = await shop.fillCart(MUG, SCOOP);
    await shop.openCheckout();
    const key = await shop.idempotencyKey();

    // The next checkout stops right after Stripe answered, before anything is written: the
    // moment a crash hurts most. The card is charged; the shop's records still say pending.
    await records.pause("after_payment", 60_000);
    // Stripe's webhook would tell the shop about the charge too; hold it back, so that the
    // shopper's retry alone has to recover the payment.
    await payments.shapeWebhooks(cartId, { delayMs: 120_000 });
    await shop.payButton().click();
    await expect.poll(async () => (await payments.forCart(cartId)).charges, { message: "the card was charged" }).toBe(1);
    expect((await records.state({ cartId })).orders).toMatchObject([{ idempotencyKey: key, status: "pending" }]);

    await isolatedShop.crash();
    await expect(shop.alert("Connection lost — retrying is safe")).toBeVisible();

    // Restarted on the same database: the dead owner's lock is taken over, and every commit
    // made before the crash is still there, the order and the key's recovery point included.
    await isolatedShop.start();
    const survived = await records.state({ cartId });
    expect(survived.orders).toMatchObject([{ idempotencyKey: key, status: "pending" }]);
    expect(survived.records).toMatchObject([{ key, recoveryPoint: "order_created" }]);

    await shop.retryWithSameKey(key);

    const orderId = await shop.expectOrderPage("Paid");
    await expect(await shop.openMailbox()).toHaveCount(1);

    await records.expectOnePaidOrder(cartId, { id: orderId, key });
    // The retry sent Stripe the same request under the same key, and got the first charge back.
    expect(await payments.forCart(cartId)).toMatchObject({ paymentIntents: 1, charges: 1, capturedAmount: 3000 });
  });
});
