import { expect, test } from "./fixtures.ts";
import { MUG } from "./support/shop-page.ts";

test.describe("Provider error saved", () => {
  test("Stripe saves a 500 under the order's key and would replay it for 24 h: the shop finds no payment for that attempt, pays under the next attempt's key, and the shopper sees one paid order, one charge", async ({ shop, records, payments }) => {
    const cartId = await shop.fillCart(MUG);
    await shop.openCheckout();
    const key = await shop.idempotencyKey();

    // The first create fails while executing; the payments server saves that 500 under the key
    // (Stripe-Should-Retry: false), as Stripe does, and replays it to every later call with it.
    await payments.injectFault(cartId, { kind: "error_while_executing" }, 1);
    await shop.payButton().click();

    const orderId = await shop.expectOrderPage("Paid");
    await records.expectOnePaidOrder(cartId, { id: orderId, key });
    // The 500 created nothing; the one PaymentIntent and charge are the second attempt's.
    expect(await payments.forCart(cartId)).toMatchObject({ paymentIntents: 1, charges: 1 });
  });
});
