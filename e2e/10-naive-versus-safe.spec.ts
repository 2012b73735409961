import { expect, isolatedTest, test } from "./fixtures.ts";
import { MUG } from "./support/shop-page.ts";

test.describe("Naive versus safe", () => {
  test("the same burst of 5 clicks: the naive checkout (no idempotency) charges several times, the real checkout once", async ({ page, shop, records, payments }) => {
    const cartId = await shop.fillCart(MUG);

    // The teaching variant: no key, no claim, no Stripe idempotency key.
    await page.goto("/checkout/naive");
    await expect(page.getByRole("note", { name: "Unsafe demo" })).toContainText("this checkout has no idempotency");
    await expect(shop.payButton()).toBeEnabled();
    await shop.burstSubmit(5);
    await expect(page).toHaveURL(/\/orders\/[\w-]+$/);

    // Every submit that got past the button became an order of its own, with a charge of its own.
    await expect.poll(async () => (await payments.forCart(cartId)).charges, { message: "the naive burst charged more than once" }).toBeGreaterThan(1);
    const naive = await payments.paymentIntentsForCart(cartId);
    const naiveOrders = new Set(naive.flatMap((intent) => intent.metadata.orderId ?? []));
    expect(naiveOrders.size).toBe(naive.length);
    for (const orderId of naiveOrders) expect((await records.state({ orderId })).orders).toMatchObject([{ id: orderId, status: "paid", totalCents: 1800 }]);
    const naiveCharges = (await payments.forCart(cartId)).charges;
    expect(naiveCharges).toBe(naiveOrders.size);
    test.info().annotations.push({ type: "naive checkout", description: `${naiveOrders.size} orders and ${naiveCharges} charges for one cart` });

    // The real checkout, same cart (the naive one left it as it was), same burst.
    await shop.openCheckout();
    const key = await shop.idempotencyKey();
    await shop.burstSubmit(5);
    const orderId = await shop.expectOrderPage("Paid");

    const state = await records.settledState({ cartId });
    expect(state.orders).toMatchObject([{ id: orderId, idempotencyKey: key, status: "paid", messages: [{ kind: "order_confirmation" }] }]);
    expect(await payments.forCart(cartId)).toMatchObject({ paymentIntents: naive.length + 1, charges: naiveCharges + 1 });
  });
});

isolatedTest.describe("Naive versus safe", () => {
  isolatedTest("in production without DEMO_UNSAFE_CHECKOUT=1, DEMO_MODE=1 or METRICS_TOKEN, the naive checkout, the Stripe-only benchmark route, the lab and the metrics do not exist", async ({ request }) => {
    expect((await request.get("/checkout/naive")).status()).toBe(404);
    expect((await request.post("/api/checkout/naive", { data: {} })).status()).toBe(404);
    expect((await request.post("/api/checkout/stripe-only", { data: { items: [{ slug: "stoneware-mug", quantity: 1 }], paymentMethod: "pm_card_visa" } })).status()).toBe(404);
    expect((await request.get("/lab")).status()).toBe(404);
    expect((await request.get("/lab/source?file=lib/idempotency.ts")).status()).toBe(404);
    expect((await request.post("/api/lab/runs", { data: { scenario: "double-click" } })).status()).toBe(404);
    expect((await request.get("/api/metrics")).status()).toBe(404);
    expect((await request.get("/api/metrics", { headers: { authorization: "Bearer any_token_at_all_0123456789" } })).status()).toBe(404);
  });
});
