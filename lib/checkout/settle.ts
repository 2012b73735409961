import { audit, type AuditEntry } from "@/lib/audit.ts";
import type { AuditDetail } from "@/lib/audit-events.ts";
import type { Tx } from "@/lib/db.ts";
import { lockCart, lockOrder } from "@/lib/locking.ts";
import { canMove, markPaid, paidSteps, recordPayment, transition, type PaymentStatus } from "@/lib/orders.ts";
import type { ChargeResult } from "@/lib/payments/payment-intents.ts";

export type SettledOrder = { id: string; scope: string; totalCents: number; currency: string; cartId: string | null; cartVersion: number | null };
type KnownOutcome = Exclude<ChargeResult, { kind: "unknown" }>;
type ChangedBy = AuditDetail["order_status"]["by"];
type Payment = { paymentIntentId: string; amountCents: number; currency: string };
type Failure = { failureCode: string; declineCode?: string | null; failureMessage: string };

/** Where a payment answer moves an order, whoever brings it: the checkout's own call, a webhook, a refund. */
export type Settlement =
  | { to: "paid" | "processing" | "refunded"; payment: Payment }
  | { to: "failed"; payment: Payment | null; failure: Failure };

const PAYMENT_STATUS = { paid: "succeeded", processing: "processing", failed: "failed", refunded: "refunded" } as const satisfies Record<Settlement["to"], PaymentStatus>;

/**
 * Moves an order forward with everything that goes with the move, in the caller's transaction
 * and in the row-lock order of lib/locking.ts (cart, order, the rest):
 * - the order, by a forward-only transition: whoever settles second changes nothing;
 * - its cart, when the order leaves `pending`: closed (emptied, new version) once it is placed,
 *   released for another try (same items, new version, so a new key) once it failed. Tied to
 *   leaving `pending`, it happens exactly once, whether the answer or a webhook settles first;
 * - its confirmation, queued when it becomes paid; its Payment row, created or moved forward.
 * Returns the steps that changed something, for the caller's timeline.
 */
export async function settleOrder(tx: Tx, order: SettledOrder, settlement: Settlement, by: ChangedBy): Promise<AuditEntry[]> {
  const { to, payment } = settlement;
  const subject = { scope: order.scope, orderId: order.id };
  const cartHeld = to !== "refunded" && (await lockCart(tx, order.cartId, order.cartVersion));
  const from = await lockOrder(tx, order.id);
  const steps: AuditEntry[] = [];
  if (canMove(from, to)) {
    if (settlement.to === "paid") {
      if (await markPaid(tx, order, settlement.payment.paymentIntentId)) steps.push(...paidSteps(subject, by));
    } else if (await transition(tx, order.id, to, orderChanges(settlement))) {
      steps.push(audit("order_status", subject, { to, by }));
    }
    if (from === "pending" && cartHeld) await moveCartOn(tx, order.cartId!, to === "failed" ? "released" : "closed");
  }
  if (payment) await recordPayment(tx, { orderId: order.id, ...payment, status: PAYMENT_STATUS[to] });
  return steps;
}

function orderChanges(settlement: Settlement) {
  if (settlement.to === "failed") return { paymentIntentId: settlement.payment?.paymentIntentId, ...settlement.failure };
  return settlement.to === "refunded" ? {} : { paymentIntentId: settlement.payment.paymentIntentId };
}

/** The checkout's own Stripe answer, as a settlement of its order. */
export async function applyPaymentOutcome(tx: Tx, order: SettledOrder, outcome: KnownOutcome, by: ChangedBy = "checkout"): Promise<AuditEntry[]> {
  const steps = [stripeCallStep({ scope: order.scope, orderId: order.id }, outcome)];
  return [...steps, ...(await settleOrder(tx, order, settlementOf(order, outcome), by))];
}

function settlementOf(order: SettledOrder, outcome: KnownOutcome): Settlement {
  const payment = (paymentIntentId: string) => ({ paymentIntentId, amountCents: order.totalCents, currency: order.currency });
  switch (outcome.kind) {
    case "succeeded":
      return { to: "paid", payment: payment(outcome.paymentIntent.id) };
    case "processing":
      return { to: "processing", payment: payment(outcome.paymentIntent.id) };
    case "declined":
      return {
        to: "failed",
        payment: outcome.paymentIntentId ? payment(outcome.paymentIntentId) : null,
        failure: { failureCode: outcome.code, declineCode: outcome.declineCode, failureMessage: outcome.message },
      };
    case "rejected":
      return { to: "failed", payment: null, failure: { failureCode: outcome.code, failureMessage: outcome.message } };
  }
}

/** The call as the timeline shows it: which key the shop sent, and whether Stripe replayed. */
export function stripeCallStep(subject: { scope: string; orderId: string }, charge: ChargeResult): AuditEntry {
  const error = charge.kind === "unknown" || charge.kind === "rejected" || charge.kind === "declined" ? charge.message : undefined;
  return audit("stripe_call", subject, { operation: charge.operation ?? "payment_intents.create", idempotencyKey: charge.idempotencyKey, replayed: charge.replayed, result: charge.kind, ...(error && { error }) });
}

/**
 * Moves the cart past the version this order was made from (the caller holds the cart's lock at
 * that version): a placed order empties it; a failed one keeps the items but starts a new
 * logical checkout (new version, new key), so paying again with another card is a new order
 * rather than a replay of the failure. A cart the shopper changed meanwhile is left alone.
 */
async function moveCartOn(tx: Tx, cartId: string, how: "closed" | "released"): Promise<void> {
  await tx.cart.update({ where: { id: cartId }, data: { version: { increment: 1 } }, select: { id: true } });
  if (how === "closed") await tx.cartItem.deleteMany({ where: { cartId } });
}
