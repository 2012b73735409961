import { audit, recordAudit, type AuditEntry } from "@/lib/audit.ts";
import { db, type Tx } from "@/lib/db.ts";
import type { OrderStatus } from "@/lib/generated/prisma/client.ts";
import { env } from "@/lib/env.ts";
import { metrics } from "@/lib/metrics.ts";
import { settleForEvent, settleOrder, type Settlement, type SettledOrder } from "@/lib/checkout/settle.ts";
import { stripe, Stripe } from "@/lib/payments/stripe.ts";
import { pausePoint } from "@/lib/test-hooks.ts";

export type WebhookResult = { status: number; body: { received: boolean; duplicate?: boolean; deferred?: boolean; error?: string } };

/**
 * An event that cannot apply yet and that Stripe has not confirmed either (or Stripe could not be
 * asked): rolled back, event id included, and answered with a 503 so that Stripe delivers it
 * again later (it retries for days). Recording it would deduplicate it forever without its effect.
 */
class Deferred extends Error {
  name = "Deferred";
}

/**
 * Verifies, deduplicates and applies one Stripe event. The event id is inserted in the same
 * transaction as the event's effect: concurrent deliveries of one event queue on the unique
 * index, and only the first applies anything. A redelivery after that is answered 200 at once.
 */
export async function handleStripeWebhook(rawBody: string, signature: string | null): Promise<WebhookResult> {
  let event: Stripe.Event;
  try {
    // Verified on the raw bytes as received: re-serialised JSON would not match the signature.
    event = stripe().webhooks.constructEvent(rawBody, signature ?? "", env().STRIPE_WEBHOOK_SECRET);
  } catch (error) {
    metrics.webhookDeliveries.inc({ type: "unverified", result: "bad_signature" });
    return { status: 400, body: { received: false, error: `Webhook signature verification failed: ${(error as Error).message}` } };
  }
  // A failure event is a snapshot, and may be stale: delivered late or out of order, it can
  // arrive while the payment is still processing or after it succeeded. Believe it only if the
  // PaymentIntent still says so now (outside the transaction: no network call holds a lock).
  // Stripe unreachable: the event can be neither believed nor dismissed, so it waits (see Deferred).
  const failedNow = event.type === "payment_intent.payment_failed" ? await stillFailed(event.data.object.id) : true;
  if (failedNow === null) return defer(event, "Stripe could not be asked whether the payment still failed");
  const stale = !failedNow;
  // A refund can arrive before the success it undoes (events are not ordered): the order is still
  // pending or processing. Stripe's current state of the charge says whether it was paid and
  // refunded; if so the order goes through paid to refunded, else the event waits (see Deferred).
  const refundConfirmed = event.type === "charge.refunded" && (await refundArrivedEarly(event.data.object)) ? await stillRefunded(event.data.object.id) : null;
  await pausePoint("webhook_verified", "webhook");
  let applied: boolean;
  try {
    applied = await recordEvent(event, stale, refundConfirmed);
  } catch (error) {
    if (!(error instanceof Deferred)) throw error;
    return defer(event, error.message);
  }
  metrics.webhookDeliveries.inc({ type: event.type, result: applied ? "applied" : "duplicate" });
  return { status: 200, body: { received: true, ...(!applied && { duplicate: true }) } };
}

/**
 * Records the event id with its effect, in one commit; true for its first delivery. The common
 * case, one settlement of a known order, is one statement (lib/checkout/statements/
 * settle-order.ts, read after the order's fields, which never change); anything else (no order,
 * a stale event, no effect, a refund that arrived before the payment) is a transaction.
 */
async function recordEvent(event: Stripe.Event, stale: boolean, refundConfirmed: RefundedCharge | null): Promise<boolean> {
  const order = await findOrder(db, event.data.object);
  const settlements = order && !stale ? settlementsFor(event, order, refundConfirmed) : [];
  if (order && settlements.length === 1) return settleForEvent(db, order, settlements[0]!, { id: event.id, type: event.type });
  return db.$transaction(async (tx) => {
    const [first] = await tx.webhookEvent.createManyAndReturn({ data: [{ id: event.id, type: event.type, orderId: order?.id ?? null }], skipDuplicates: true, select: { id: true } });
    if (order) {
      const effects: AuditEntry[] = [];
      if (first) for (const settlement of settlements) effects.push(...(await settleOrder(tx, order, settlement, "webhook")));
      const result = !first ? "duplicate" : stale ? "stale_ignored" : effects.length > 0 ? "applied" : "no_change";
      await recordAudit(tx, [audit("webhook", { scope: order.scope, orderId: order.id }, { eventId: event.id, type: event.type, result }), ...effects]);
    }
    return Boolean(first);
  });
}

/**
 * Answers 503 without recording the event, so Stripe delivers it again. It leaves a timeline step
 * (its own write: nothing of the event's transaction committed) and a count.
 */
async function defer(event: Stripe.Event, reason: string): Promise<WebhookResult> {
  metrics.webhookDeliveries.inc({ type: event.type, result: "deferred" });
  metrics.webhookEventsDeferred.inc({ type: event.type });
  const order = await findOrder(db, event.data.object);
  if (order) await recordAudit(db, [audit("webhook", { scope: order.scope, orderId: order.id }, { eventId: event.id, type: event.type, result: "deferred", reason })]);
  return { status: 503, body: { received: false, deferred: true, error: reason } };
}

/** Whether a refund's order has not been paid yet, read without a lock (the transaction decides again). */
async function refundArrivedEarly(charge: Stripe.Charge): Promise<boolean> {
  const order = await findOrder(db, charge);
  return order !== null && (order.status === "pending" || order.status === "processing");
}

/** The charge as Stripe has it now: paid, then refunded (what the order must go through), or null. */
async function stillRefunded(chargeId: string): Promise<RefundedCharge | null> {
  try {
    const charge = await stripe().charges.retrieve(chargeId);
    const paymentIntentId = typeof charge.payment_intent === "string" ? charge.payment_intent : charge.payment_intent?.id;
    if (charge.status !== "succeeded" || !charge.captured || charge.amount_refunded <= 0 || !paymentIntentId) return null;
    return { paymentIntentId, amountCents: charge.amount, currency: charge.currency };
  } catch {
    // Stripe unreachable: nothing is confirmed, so the event waits for its next delivery.
    return null;
  }
}

type RefundedCharge = { paymentIntentId: string; amountCents: number; currency: string };

/** Whether the PaymentIntent still says it failed; null when Stripe could not be asked. */
async function stillFailed(paymentIntentId: string): Promise<boolean | null> {
  try {
    const current = await stripe().paymentIntents.retrieve(paymentIntentId);
    return current.status === "requires_payment_method" || current.status === "canceled";
  } catch {
    return null;
  }
}

/** The order an event is about: what settling it and its timeline steps need. */
type EventOrder = SettledOrder & { status: OrderStatus };

/** The event may arrive before the checkout recorded the PaymentIntent, so metadata leads. */
async function findOrder(tx: Tx, eventObject: Stripe.Event.Data["object"]): Promise<EventOrder | null> {
  const object = eventObject as { metadata?: Record<string, string> | null; payment_intent?: string | { id: string } | null };
  const candidate = object.metadata?.orderId;
  const select = { id: true, scope: true, status: true, totalCents: true, currency: true, cartId: true, cartVersion: true } as const;
  if (candidate) return tx.order.findUnique({ where: { id: candidate }, select });
  const paymentIntentId = typeof object.payment_intent === "string" ? object.payment_intent : object.payment_intent?.id;
  if (!paymentIntentId) return null;
  return (await tx.payment.findUnique({ where: { paymentIntentId }, select: { order: { select } } }))?.order ?? null;
}

/**
 * Each effect is a forward-only settlement of the order (lib/checkout/settle.ts), the same one
 * the checkout's own answer makes, cart included: a stale or reordered event changes nothing.
 * Returns the settlements to apply, in order (none for an event with no effect).
 */
function settlementsFor(event: Stripe.Event, order: EventOrder, refundConfirmed: RefundedCharge | null): Settlement[] {
  switch (event.type) {
    case "payment_intent.succeeded":
      return [{ to: "paid", payment: paymentOf(event.data.object) }];
    case "payment_intent.processing":
      return [{ to: "processing", payment: paymentOf(event.data.object) }];
    case "payment_intent.payment_failed": {
      const intent = event.data.object;
      const failure = intent.last_payment_error;
      return [{
        to: "failed",
        payment: paymentOf(intent),
        failure: { failureCode: failure?.code ?? "payment_failed", declineCode: failure?.decline_code ?? null, failureMessage: failure?.message ?? "The payment failed" },
      }];
    }
    case "charge.refunded": {
      const charge = event.data.object;
      const paymentIntentId = typeof charge.payment_intent === "string" ? charge.payment_intent : charge.payment_intent?.id;
      if (!paymentIntentId) return [];
      const refund = { to: "refunded", payment: { paymentIntentId, amountCents: charge.amount, currency: charge.currency } } as const;
      // `order.status` was read without a lock: should a concurrent settle mark the order paid
      // meanwhile, settling it paid first changes nothing and the refund applies all the same.
      if (order.status === "pending" || order.status === "processing") {
        if (!refundConfirmed) throw new Deferred(`The order is ${order.status} and Stripe does not confirm that charge ${charge.id} was paid and refunded`);
        // Paid first (payment recorded, confirmation queued once, cart closed), then refunded: one transaction.
        return [{ to: "paid", payment: refundConfirmed }, refund];
      }
      return [refund];
    }
    default:
      return [];
  }
}

const paymentOf = (intent: Stripe.PaymentIntent) => ({ paymentIntentId: intent.id, amountCents: intent.amount, currency: intent.currency });
