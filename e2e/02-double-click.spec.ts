import { expect, test } from "./fixtures.ts";
import { MUG, NOTEBOOK } from "./support/shop-page.ts";

test.describe("Double-click on Pay", () => {
  test("a shopper double-clicks Pay: one order, one charge, one confirmation", async ({ shop, records, payments }) => {
    const cartId = await shop.fillCart(MUG);
    await shop.openCheckout();
    const sent = shop.recordCheckoutRequests();

    await shop.payButton().dblclick();

    const orderId = await shop.expectOrderPage("Paid");
    // The page let one request out; the second click found it already paying.
    expect(sent).toHaveLength(1);
    await expect(await shop.openMailbox()).toHaveCount(1);

    await records.expectOnePaidOrder(cartId, { id: orderId });
    expect(await payments.forCart(cartId)).toMatchObject({ paymentIntents: 1, charges: 1, capturedAmount: 1800 });
  });

  test("a burst of 5 clicks that bypasses the disabled button: one order, one charge", async ({ shop, records, payments }) => {
    const cartId = await shop.fillCart(MUG, NOTEBOOK);
    await shop.openCheckout();
    const key = await shop.idempotencyKey();
    const sent = shop.recordCheckoutRequests();

    await shop.burstSubmit(5);

    const orderId = await shop.expectOrderPage("Paid");
    // Five submits in one tick: the page sends one of them, the others never leave the browser.
    expect(sent).toHaveLength(1);
    await expect(await shop.openMailbox()).toHaveCount(1);

    await records.expectOnePaidOrder(cartId, { id: orderId, key });
    expect(await payments.forCart(cartId)).toMatchObject({ paymentIntents: 1, charges: 1, capturedAmount: 3200 });
  });
});

test.describe("Double-click on Pay, past the page", () => {
  test("five copies of the Pay request reach the shop at once (a retrying proxy): one order, one charge", async ({ page, shop, records, payments }) => {
    const cartId = await shop.fillCart(MUG);
    await shop.openCheckout();

    // The network, not the page, repeats the request: the page's own guard can't help here.
    await page.route(
      "**/checkout",
      async (route) => {
        if (route.request().method() !== "POST" || !route.request().headers()["next-action"]) return route.fallback();
        const answers = await Promise.all(Array.from({ length: 5 }, () => route.fetch()));
        await route.fulfill({ response: answers[0] });
      },
      { times: 1 },
    );
    await shop.payButton().click();

    const orderId = await shop.expectOrderPage("Paid");
    await records.expectOnePaidOrder(cartId, { id: orderId });
    // Four copies waited for the first and got its answer: the shop asked for the payment once.
    expect(await payments.forCart(cartId)).toMatchObject({ paymentIntents: 1, charges: 1, requests: { executed: 1, replayed: 0 } });
  });
});
