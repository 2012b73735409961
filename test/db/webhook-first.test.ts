import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { setCartQuantity } from "@/lib/cart.ts";
import { checkout } from "@/lib/checkout/checkout.ts";
import { db } from "@/lib/db.ts";
import { createCart, fromCart } from "../setup/fixtures.ts";
import { delayAllAnswers, paymentIntentsForCart, statsForCart } from "../setup/payments.ts";
import { deliver, eventsFor } from "../setup/webhooks.ts";

/** The cart as the shopper's next page load reads it. */
const cartNow = (cartId: string) => db.cart.findUniqueOrThrow({ where: { id: cartId }, include: { items: true } });

/** A checkout whose answer never arrived (Stripe too slow), then Stripe's webhook for it, delivered first. */
async function settledByWebhookFirst(paymentMethod: "pm_card_visa" | "pm_card_chargeDeclined", eventType: string) {
  const cart = await createCart();
  const key = randomUUID();
  await delayAllAnswers(cart.id);
  const unknown = await checkout(fromCart(cart, key, paymentMethod));
  expect(unknown.status).toBe(503);
  const [intent] = await paymentIntentsForCart(cart.id);
  const event = (await eventsFor(intent!.id)).find((candidate) => candidate.type === eventType)!;
  expect((await deliver(event)).status).toBe(200);
  return { cart, key, orderId: unknown.body.order!.id };
}

describe("a webhook that settles the order before the checkout's own answer", () => {
  it("closes the cart once the webhook marks the order paid, so paying again never charges the same goods twice", async () => {
    const { cart, key, orderId } = await settledByWebhookFirst("pm_card_visa", "payment_intent.succeeded");

    // The shopper retries: the paid order.
    const retry = await checkout(fromCart(cart, key));
    expect(retry).toMatchObject({ status: 201, body: { order: { id: orderId, status: "paid" } } });
    // Then adds a scoop and pays: only the scoop is charged.
    const edited = await setCartQuantity(cart.id, { slug: "brass-scoop", quantity: 1 }, "add");
    const next = await checkout(fromCart(edited, randomUUID()));
    expect(next).toMatchObject({ status: 201, body: { order: { status: "paid", totalCents: 1200 } } });
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 2, charges: 2, capturedAmount: 4800 + 1200 });
    // One version for the webhook's close, one for the edit: the retry did not close it again.
    expect((await db.order.findUniqueOrThrow({ where: { id: next.body.order!.id } })).cartVersion).toBe(cart.version + 2);
  });

  it("releases the cart once the webhook reports the decline, so the shopper can pay with a working card under a new key", async () => {
    const { cart, key, orderId } = await settledByWebhookFirst("pm_card_chargeDeclined", "payment_intent.payment_failed");
    // "Paying again is safe": the same key answers the decline the webhook recorded.
    expect(await checkout(fromCart(cart, key, "pm_card_chargeDeclined"))).toMatchObject({ status: 402, body: { order: { id: orderId, status: "failed" } } });

    // The page reloads the cart and the browser mints a new key for what it shows.
    const reloaded = await cartNow(cart.id);
    const paid = await checkout(fromCart(reloaded, randomUUID(), "pm_card_visa"));
    expect(paid).toMatchObject({ status: 201, body: { order: { status: "paid", totalCents: 4800 } } });
    expect(paid.body.order?.id).not.toBe(orderId);
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 2, charges: 1 });
    // Released, not closed: the same items, under a new version.
    expect(reloaded).toMatchObject({ version: cart.version + 1, items: [expect.anything(), expect.anything()] });
  });
});
