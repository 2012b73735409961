import { randomUUID } from "node:crypto";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { checkout } from "@/lib/checkout/checkout.ts";
import { db } from "@/lib/db.ts";
import { metrics } from "@/lib/metrics.ts";
import { callCheckoutApi, createApiClient, createCart, fromCart } from "../setup/fixtures.ts";
import { addFault, delayAllAnswers, paymentIntentsForCart, statsForOrder } from "../setup/payments.ts";
import { deliver, eventsFor, waitForPaymentIntent } from "../setup/webhooks.ts";

const sdk = new Stripe("sk_test_local_development", { host: new URL(process.env.PAYMENTS_URL!).hostname, port: new URL(process.env.PAYMENTS_URL!).port, protocol: "http" });

/** Refunds a PaymentIntent at Stripe (as the dashboard would) and returns its charge.refunded event, undelivered. */
async function refundAtStripe(paymentIntentId: string): Promise<Stripe.Event> {
  await sdk.refunds.create({ payment_intent: paymentIntentId });
  const { data } = await sdk.events.list({ limit: 100, type: "charge.refunded" });
  const event = data.find((candidate) => (candidate.data.object as Stripe.Charge).payment_intent === paymentIntentId);
  if (!event) throw new Error(`no charge.refunded event for ${paymentIntentId}`);
  return event;
}

/** A cart checkout whose answer never arrived: the order stays pending, Stripe charged it. */
async function pendingOrder() {
  const cart = await createCart({ "walnut-tray": 1 });
  const key = randomUUID();
  await delayAllAnswers(cart.id);
  const unknown = await checkout(fromCart(cart, key));
  expect(unknown.status).toBe(503);
  const [intent] = await paymentIntentsForCart(cart.id);
  await waitForPaymentIntent(intent!.id, "succeeded");
  return { cart, key, orderId: unknown.body.order!.id, paymentIntentId: intent!.id };
}

/** An API checkout by bank debit: the order is processing until Stripe's success event. */
async function processingOrder() {
  const { apiKey } = await createApiClient();
  const placed = await callCheckoutApi({ apiKey, body: { items: [{ slug: "walnut-tray", quantity: 1 }], paymentMethod: "pm_test_delayed_success" } });
  expect(placed.body.order).toMatchObject({ status: "processing" });
  const order = await db.order.findUniqueOrThrow({ where: { id: placed.body.order!.id } });
  await waitForPaymentIntent(order.paymentIntentId!, "succeeded");
  return { orderId: order.id, paymentIntentId: order.paymentIntentId! };
}

const succeededEvent = async (paymentIntentId: string) => (await eventsFor(paymentIntentId)).find((event) => event.type === "payment_intent.succeeded")!;
const statusSteps = async (orderId: string) =>
  (await db.auditEvent.findMany({ where: { orderId, kind: "order_status" }, orderBy: { id: "asc" } })).map((step) => step.detail as { to: string; by: string });

async function deferredCount(): Promise<number> {
  const { values } = await metrics.webhookEventsDeferred.get();
  return values.filter((series) => series.labels.type === "charge.refunded").reduce((sum, series) => sum + series.value, 0);
}

describe("charge.refunded delivered before payment_intent.succeeded", () => {
  it.each([
    ["pending (the checkout's answer never arrived)", pendingOrder, "pending"],
    ["processing (a bank debit)", processingOrder, "processing"],
  ] as const)("moves a %s order through paid to refunded in one transaction, with its payment and one confirmation", async (_name, place, from) => {
    const { orderId, paymentIntentId } = await place();
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: from });
    const refunded = await refundAtStripe(paymentIntentId);

    expect(await deliver(refunded)).toMatchObject({ status: 200, body: { received: true } });
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "refunded", paymentIntentId });
    expect(await db.payment.findMany({ where: { orderId } })).toMatchObject([{ paymentIntentId, status: "refunded", amountCents: 5600 }]);
    expect(await db.outboxMessage.count({ where: { orderId } })).toBe(1);
    expect((await statusSteps(orderId)).slice(-2)).toEqual([{ to: "paid", by: "webhook" }, { to: "refunded", by: "webhook" }]);

    // The success arrives after: it changes nothing, nor does the refund delivered again.
    expect(await deliver(await succeededEvent(paymentIntentId))).toMatchObject({ status: 200 });
    expect(await deliver(refunded)).toMatchObject({ status: 200, body: { duplicate: true } });
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "refunded" });
    expect(await db.outboxMessage.count({ where: { orderId } })).toBe(1);
    expect(await statsForOrder(orderId)).toMatchObject({ paymentIntents: 1, charges: 1, refunds: 1 });
  });

  it("closes the cart of a pending order it settles, and the shopper's retry answers the refunded order", async () => {
    const { cart, key, orderId, paymentIntentId } = await pendingOrder();
    await deliver(await refundAtStripe(paymentIntentId));
    expect(await db.cart.findUniqueOrThrow({ where: { id: cart.id }, include: { items: true } })).toMatchObject({ version: cart.version + 1, items: [] });
    expect(await checkout(fromCart(cart, key))).toMatchObject({ status: 201, body: { order: { id: orderId, status: "refunded" } } });
    expect(await statsForOrder(orderId)).toMatchObject({ paymentIntents: 1, charges: 1 });
  });

  it("is not consumed while Stripe cannot confirm the refund: 503, not recorded, counted; its next delivery applies it", async () => {
    const { orderId, paymentIntentId } = await pendingOrder();
    const refunded = await refundAtStripe(paymentIntentId);
    const chargeId = (refunded.data.object as Stripe.Charge).id;
    // Stripe unreachable for the charge's retrieve, the SDK's retries included.
    await addFault({ path: `/v1/charges/${chargeId}`, method: "GET" }, { kind: "unavailable_before" }, 3);
    const before = await deferredCount();

    expect(await deliver(refunded)).toMatchObject({ status: 503, body: { received: false, deferred: true } });
    expect(await db.webhookEvent.count({ where: { id: refunded.id } })).toBe(0);
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "pending" });
    expect(await db.payment.count({ where: { orderId } })).toBe(0);
    expect(await deferredCount()).toBe(before + 1);
    const steps = await db.auditEvent.findMany({ where: { orderId, kind: "webhook" } });
    expect(steps.map((step) => step.detail)).toContainEqual(expect.objectContaining({ eventId: refunded.id, result: "deferred" }));

    // Stripe delivers it again (it retries a 503 for days): now it applies.
    expect(await deliver(refunded)).toMatchObject({ status: 200, body: { received: true } });
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "refunded" });
    expect(await db.outboxMessage.count({ where: { orderId } })).toBe(1);
  });
});
