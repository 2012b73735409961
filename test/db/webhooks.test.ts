import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db.ts";
import { checkout } from "@/lib/checkout/checkout.ts";
import { callCheckoutApi, createApiClient, createCart, fromCart } from "../setup/fixtures.ts";
import { addFault, createEvent, delayAllAnswers, paymentIntentsForCart, statsForCart } from "../setup/payments.ts";
import { deliver, eventsFor, retrieveEvent, waitForPaymentIntent } from "../setup/webhooks.ts";

const delayed = { items: [{ slug: "gooseneck-kettle", quantity: 1 }], paymentMethod: "pm_test_delayed_success" };

/** A checkout that ends `processing`, and the `payment_intent.succeeded` event that settles it. */
async function processingOrderWithItsSuccessEvent() {
  const { apiKey } = await createApiClient();
  const placed = await callCheckoutApi({ apiKey, body: delayed });
  expect(placed.body.order).toMatchObject({ status: "processing" });
  const order = await db.order.findUniqueOrThrow({ where: { id: placed.body.order!.id } });
  await waitForPaymentIntent(order.paymentIntentId!, "succeeded");
  const succeeded = (await eventsFor(order.paymentIntentId!)).find((event) => event.type === "payment_intent.succeeded")!;
  return { order, succeeded };
}

const messagesOf = (orderId: string) => db.outboxMessage.count({ where: { orderId } });

describe("Stripe webhooks", () => {
  it("applies an event delivered 10 times concurrently, mixed with a stale failure, exactly once", async () => {
    const { order, succeeded } = await processingOrderWithItsSuccessEvent();
    const stale = await retrieveEvent((await createEvent("payment_intent.payment_failed", order.paymentIntentId!)).id);
    const deliveries = [...Array.from({ length: 10 }, () => succeeded), stale].sort(() => Math.random() - 0.5);

    const answers = await Promise.all(deliveries.map((event) => deliver(event)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(answers.filter((answer) => answer.body.duplicate)).toHaveLength(9);

    expect(await db.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ status: "paid" });
    expect(await messagesOf(order.id)).toBe(1);
    expect(await db.webhookEvent.count({ where: { orderId: order.id } })).toBe(2);
  });

  it("changes nothing when a payment_failed event arrives after the order was paid", async () => {
    const { order, succeeded } = await processingOrderWithItsSuccessEvent();
    await deliver(succeeded);
    const stale = await retrieveEvent((await createEvent("payment_intent.payment_failed", order.paymentIntentId!)).id);
    expect((await deliver(stale)).status).toBe(200);
    expect(await db.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ status: "paid", failureCode: null });
  });

  it("defers a payment_failed event it cannot check with Stripe: 503, not recorded; delivered again it is judged then", async () => {
    const { order, succeeded } = await processingOrderWithItsSuccessEvent();
    const stale = await retrieveEvent((await createEvent("payment_intent.payment_failed", order.paymentIntentId!)).id);
    // Stripe unreachable for the PaymentIntent's retrieve, the SDK's retries included.
    await addFault({ path: `/v1/payment_intents/${order.paymentIntentId}`, method: "GET" }, { kind: "unavailable_before" }, 3);
    expect(await deliver(stale)).toMatchObject({ status: 503, body: { received: false, deferred: true } });
    expect(await db.webhookEvent.count({ where: { id: stale.id } })).toBe(0);

    // Its next delivery is checked: the PaymentIntent succeeded, so it is stale and changes nothing.
    expect(await deliver(stale)).toMatchObject({ status: 200, body: { received: true } });
    await deliver(succeeded);
    expect(await db.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ status: "paid", failureCode: null });
    expect(await db.webhookEvent.count({ where: { id: stale.id } })).toBe(1);
  });

  it("lets the webhook beat the synchronous path: whichever is second changes nothing", async () => {
    const cart = await createCart({ "walnut-tray": 1 });
    const key = randomUUID();
    await delayAllAnswers(cart.id);
    const unknown = await checkout(fromCart(cart, key));
    expect(unknown.status).toBe(503);
    const orderId = unknown.body.order!.id;

    const [intent] = await paymentIntentsForCart(cart.id);
    const succeeded = (await eventsFor(intent!.id)).find((event) => event.type === "payment_intent.succeeded")!;
    await deliver(succeeded);
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "paid" });

    const retry = await checkout(fromCart(cart, key));
    expect(retry.status).toBe(201);
    expect(retry.body.order).toMatchObject({ id: orderId, status: "paid" });
    expect(await messagesOf(orderId)).toBe(1);
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 1, charges: 1 });
  });

  describe("rejects a delivery it cannot trust with 400 and writes nothing", () => {
    const cases = [
      ["a wrong secret", { secret: "whsec_somebody_else" }],
      ["a tampered body", { tamper: true }],
      ["a missing signature", { signature: null }],
      ["a malformed signature", { signature: "t=1,v1=deadbeef" }],
      ["a replayed old timestamp", { timestamp: Math.floor(Date.now() / 1000) - 3600 }],
    ] as const;
    it.each(cases)("%s", async (_name, options) => {
      const { order, succeeded } = await processingOrderWithItsSuccessEvent();
      const answer = await deliver(succeeded, options);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(/signature/i);
      expect(await db.webhookEvent.count({ where: { id: succeeded.id } })).toBe(0);
      expect(await db.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ status: "processing" });
    });
  });
});
