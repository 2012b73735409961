import type { Tx } from "@/lib/db.ts";
import { markPaid, recordPayment, transition } from "@/lib/orders.ts";
import type { PaymentOutcome } from "@/lib/payments/payment-intents.ts";

type SettledOrder = { id: string; totalCents: number; currency: string; cartId: string | null; cartVersion: number | null };
type KnownOutcome = Exclude<PaymentOutcome, { kind: "unknown" }>;

/**
 * Writes what Stripe answered. Every write is conditional (forward-only transitions, unique
 * payment rows), so it is harmless when a webhook got there first or a retry runs it again.
 */
export async function applyPaymentOutcome(tx: Tx, order: SettledOrder, outcome: KnownOutcome): Promise<void> {
  const payment = { orderId: order.id, amountCents: order.totalCents, currency: order.currency };
  switch (outcome.kind) {
    case "succeeded":
      await recordPayment(tx, { ...payment, paymentIntentId: outcome.paymentIntent.id, status: "succeeded" });
      await markPaid(tx, order.id, outcome.paymentIntent.id);
      await closeCart(tx, order, "placed");
      return;
    case "processing":
      await recordPayment(tx, { ...payment, paymentIntentId: outcome.paymentIntent.id, status: "processing" });
      await transition(tx, order.id, "processing", { paymentIntentId: outcome.paymentIntent.id });
      await closeCart(tx, order, "placed");
      return;
    case "declined":
      if (outcome.paymentIntentId) await recordPayment(tx, { ...payment, paymentIntentId: outcome.paymentIntentId, status: "failed" });
      await transition(tx, order.id, "failed", {
        paymentIntentId: outcome.paymentIntentId,
        failureCode: outcome.code,
        declineCode: outcome.declineCode,
        failureMessage: outcome.message,
      });
      await closeCart(tx, order, "failed");
      return;
    case "rejected":
      await transition(tx, order.id, "failed", { failureCode: outcome.code, failureMessage: outcome.message });
      await closeCart(tx, order, "failed");
      return;
  }
}

/**
 * Moves the cart past the version this order was made from: a placed order empties it; a
 * failed one keeps the items but starts a new logical checkout (new version, new key), so
 * paying again with another card is a new order rather than a replay of the failure.
 * Only if the cart is still at that version: the shopper may have changed it meanwhile.
 */
async function closeCart(tx: Tx, order: SettledOrder, result: "placed" | "failed"): Promise<void> {
  if (!order.cartId || order.cartVersion === null) return;
  const { count } = await tx.cart.updateMany({ where: { id: order.cartId, version: order.cartVersion }, data: { version: { increment: 1 } } });
  if (count === 1 && result === "placed") await tx.cartItem.deleteMany({ where: { cartId: order.cartId } });
}
