import { audit, type AuditEntry } from "@/lib/audit.ts";
import type { AuditDetail } from "@/lib/audit-events.ts";
import type { Tx } from "@/lib/db.ts";
import { markPaid, paidSteps, recordPayment, transition } from "@/lib/orders.ts";
import type { ChargeResult } from "@/lib/payments/payment-intents.ts";

type SettledOrder = { id: string; scope: string; totalCents: number; currency: string; cartId: string | null; cartVersion: number | null };
type KnownOutcome = Exclude<ChargeResult, { kind: "unknown" }>;
type ChangedBy = AuditDetail["order_status"]["by"];

/**
 * Writes what Stripe answered. Every write is conditional (forward-only transitions, unique
 * payment rows), so it is harmless when a webhook got there first or a retry runs it again.
 * Returns the steps that actually changed something, for the caller to record in its transaction.
 */
export async function applyPaymentOutcome(tx: Tx, order: SettledOrder, outcome: KnownOutcome, by: ChangedBy = "checkout"): Promise<AuditEntry[]> {
  const subject = { scope: order.scope, orderId: order.id };
  const steps = [stripeCallStep(subject, outcome)];
  const moved = (to: "processing" | "failed") => steps.push(audit("order_status", subject, { to, by }));
  const payment = { orderId: order.id, amountCents: order.totalCents, currency: order.currency };
  switch (outcome.kind) {
    case "succeeded":
      await recordPayment(tx, { ...payment, paymentIntentId: outcome.paymentIntent.id, status: "succeeded" });
      if (await markPaid(tx, order, outcome.paymentIntent.id)) steps.push(...paidSteps(subject, by));
      await closeCart(tx, order, "placed");
      break;
    case "processing":
      await recordPayment(tx, { ...payment, paymentIntentId: outcome.paymentIntent.id, status: "processing" });
      if (await transition(tx, order.id, "processing", { paymentIntentId: outcome.paymentIntent.id })) moved("processing");
      await closeCart(tx, order, "placed");
      break;
    case "declined": {
      if (outcome.paymentIntentId) await recordPayment(tx, { ...payment, paymentIntentId: outcome.paymentIntentId, status: "failed" });
      const failure = { paymentIntentId: outcome.paymentIntentId, failureCode: outcome.code, declineCode: outcome.declineCode, failureMessage: outcome.message };
      if (await transition(tx, order.id, "failed", failure)) moved("failed");
      await closeCart(tx, order, "failed");
      break;
    }
    case "rejected":
      if (await transition(tx, order.id, "failed", { failureCode: outcome.code, failureMessage: outcome.message })) moved("failed");
      await closeCart(tx, order, "failed");
      break;
  }
  return steps;
}

/** The call as the timeline shows it: which key the shop sent, and whether Stripe replayed. */
export function stripeCallStep(subject: { scope: string; orderId: string }, charge: ChargeResult): AuditEntry {
  const error = charge.kind === "unknown" || charge.kind === "rejected" || charge.kind === "declined" ? charge.message : undefined;
  return audit("stripe_call", subject, { operation: "payment_intents.create", idempotencyKey: charge.idempotencyKey, replayed: charge.replayed, result: charge.kind, ...(error && { error }) });
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
