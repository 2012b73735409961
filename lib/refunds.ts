import { audit, recordAudit } from "@/lib/audit.ts";
import { db } from "@/lib/db.ts";
import { settleOrder } from "@/lib/checkout/settle.ts";
import { retryingConflicts } from "@/lib/locking.ts";
import { findOrderForScope, loadOrder, type OrderView } from "@/lib/orders.ts";
import { asStripeError, stripe } from "@/lib/payments/stripe.ts";
import { pausePoint } from "@/lib/test-hooks.ts";

export type RefundResult = { status: number; body: { order?: OrderView; error?: { type: string; code?: string; message: string } } };

/** Derived from the order, like the payment's key: a double-clicked refund refunds once. */
export function refundKey(orderId: string): string {
  return `order_${orderId}_refund`;
}

/**
 * Refunds a paid order in full. Safe to repeat: Stripe replays the first refund for the same key,
 * and the order moves paid → refunded once, by this call or by the charge.refunded webhook,
 * whichever comes first.
 */
export async function refundOrder(orderId: string, scopes: string[]): Promise<RefundResult> {
  const order = await findOrderForScope(orderId, scopes);
  if (!order) return { status: 404, body: { error: { type: "invalid_request_error", code: "resource_missing", message: "No such order" } } };
  if (order.status === "refunded") return { status: 200, body: { order } };
  if (order.status !== "paid" || !order.paymentIntentId) {
    return { status: 409, body: { error: { type: "invalid_request_error", code: "order_not_refundable", message: `Only a paid order can be refunded; this one is ${order.status}` }, order } };
  }
  let replayed: boolean;
  try {
    const refund = await stripe().refunds.create({ payment_intent: order.paymentIntentId, metadata: { orderId } }, { idempotencyKey: refundKey(orderId) });
    replayed = refund.lastResponse?.headers?.["idempotent-replayed"] === "true";
  } catch (error) {
    const refused = asStripeError(error);
    if (refused?.type === "StripeInvalidRequestError") {
      return { status: 409, body: { error: { type: "invalid_request_error", code: refused.code ?? "refund_refused", message: refused.message }, order } };
    }
    return { status: 503, body: { error: { type: "refund_status_unknown", message: "We could not confirm the refund in time; asking again is safe and refunds at most once." }, order } };
  }
  await pausePoint("after_refund", scopes[0] ?? "");
  // The refund has happened: a transaction PostgreSQL aborts for a conflict is run again.
  const refunded = await retryingConflicts("refund", () =>
    db.$transaction(async (tx) => {
      const settled = await tx.order.findUniqueOrThrow({ where: { id: orderId }, select: { id: true, scope: true, totalCents: true, currency: true, cartId: true, cartVersion: true } });
      const subject = { scope: settled.scope, orderId };
      const payment = { paymentIntentId: order.paymentIntentId!, amountCents: settled.totalCents, currency: settled.currency };
      const steps = await settleOrder(tx, settled, { to: "refunded", payment }, "refund");
      await recordAudit(tx, [audit("stripe_call", subject, { operation: "refunds.create", idempotencyKey: refundKey(orderId), replayed, result: "succeeded" }), ...steps]);
      return loadOrder(tx, orderId);
    }),
  );
  return { status: 200, body: { order: refunded } };
}
