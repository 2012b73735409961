import { expect, test } from "./fixtures.ts";
import { MUG } from "./support/shop-page.ts";

test.describe("Webhook redelivery", () => {
  test("a bank debit settles later and its webhooks arrive five times each, shuffled, with a stale failure: one paid order, one confirmation", async ({ page, shop, records, payments }) => {
    const cartId = await shop.fillCart(MUG);
    // Every event about this cart's payment is delivered 5 times, all at once, in random order,
    // together with a stale "payment failed" snapshot of the same PaymentIntent, and 4 s late
    // (so that "Processing" stays on screen long enough to be seen on a busy machine).
    await payments.shapeWebhooks(cartId, { copies: 5, concurrent: true, shuffle: true, delayMs: 4000, extraEvents: ["payment_intent.payment_failed"] });

    await shop.openCheckout();
    await shop.choosePaymentMethod("Bank debit (settles later)");
    await shop.payButton().click();

    // Processing until the bank settles (1.5 s in the e2e config) and its webhook lands; the page
    // polls, and turns Paid when payment_intent.succeeded has been applied.
    const orderId = await shop.expectOrderPage("Processing");
    expect((await records.state({ orderId })).orders[0]).toMatchObject({ status: "processing", messages: [] });
    await expect(page.getByTestId("order-status")).toHaveText("Paid", { timeout: 20_000 });
    await expect(await shop.openMailbox()).toHaveCount(1);

    const stats = await payments.forCart(cartId);
    const succeeded = Object.entries(stats.webhooksByEvent).filter(([, event]) => event.type === "payment_intent.succeeded");
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]![1].attempted).toBeGreaterThanOrEqual(5);
    expect(stats).toMatchObject({ paymentIntents: 1, charges: 1, capturedAmount: 1800 });

    await expect
      .poll(async () => (await records.state({ cartId })).webhookEvents.map((event) => event.type).sort(), { message: "every distinct event recorded once" })
      .toEqual(expect.arrayContaining(["payment_intent.succeeded", "payment_intent.payment_failed"]));
    const state = await records.settledState({ cartId });
    // Each event id is recorded once, however often it was delivered: one paid transition.
    const ids = state.webhookEvents.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(state.webhookEvents.filter((event) => event.type === "payment_intent.succeeded")).toHaveLength(1);
    expect(state.orders).toHaveLength(1);
    expect(state.orders[0]).toMatchObject({ id: orderId, status: "paid", messages: [{ kind: "order_confirmation" }] });
    expect(state.orders[0]!.payments).toMatchObject([{ status: "succeeded" }]);
  });
});
