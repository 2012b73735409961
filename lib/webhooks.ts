import { audit, recordAudit, type AuditEntry } from "@/lib/audit.ts";
import { db, type Tx } from "@/lib/db.ts";
import { env } from "@/lib/env.ts";
import { metrics } from "@/lib/metrics.ts";
import { settleOrder, type SettledOrder } from "@/lib/checkout/settle.ts";
import { stripe, Stripe } from "@/lib/payments/stripe.ts";
import { pausePoint } from "@/lib/test-hooks.ts";

export type WebhookResult = { status: number; body: { received: boolean; duplicate?: boolean; error?: string } };

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
  const stale = event.type === "payment_intent.payment_failed" && !(await stillFailed(event.data.object.id));
  await pausePoint("webhook_verified", "webhook");
  const applied = await db.$transaction(async (tx) => {
    const order = await findOrder(tx, event);
    const [first] = await tx.webhookEvent.createManyAndReturn({ data: [{ id: event.id, type: event.type, orderId: order?.id ?? null }], skipDuplicates: true, select: { id: true } });
    if (order) {
      const effects = first && !stale ? await applyEvent(tx, event, order) : [];
      const result = !first ? "duplicate" : stale ? "stale_ignored" : effects.length > 0 ? "applied" : "no_change";
      await recordAudit(tx, [audit("webhook", { scope: order.scope, orderId: order.id }, { eventId: event.id, type: event.type, result }), ...effects]);
    }
    return Boolean(first);
  });
  metrics.webhookDeliveries.inc({ type: event.type, result: applied ? "applied" : "duplicate" });
  return { status: 200, body: { received: true, ...(!applied && { duplicate: true }) } };
}

async function stillFailed(paymentIntentId: string): Promise<boolean> {
  const current = await stripe().paymentIntents.retrieve(paymentIntentId);
  return current.status === "requires_payment_method" || current.status === "canceled";
}

/** The order an event is about: what settling it and its timeline steps need. */
type EventOrder = SettledOrder;

/** The event may arrive before the checkout recorded the PaymentIntent, so metadata leads. */
async function findOrder(tx: Tx, event: Stripe.Event): Promise<EventOrder | null> {
  const object = event.data.object as { metadata?: Record<string, string> | null; payment_intent?: string | { id: string } | null };
  const candidate = object.metadata?.orderId;
  const select = { id: true, scope: true, totalCents: true, currency: true, cartId: true, cartVersion: true } as const;
  if (candidate) return tx.order.findUnique({ where: { id: candidate }, select });
  const paymentIntentId = typeof object.payment_intent === "string" ? object.payment_intent : object.payment_intent?.id;
  if (!paymentIntentId) return null;
  return (await tx.payment.findUnique({ where: { paymentIntentId }, select: { order: { select } } }))?.order ?? null;
}

/**
 * Each effect is a forward-only settlement of the order (lib/checkout/settle.ts), the same one
 * the checkout's own answer makes, cart included: a stale or reordered event changes nothing.
 * Returns the changes it made, as timeline steps.
 */
async function applyEvent(tx: Tx, event: Stripe.Event, order: EventOrder): Promise<AuditEntry[]> {
  switch (event.type) {
    case "payment_intent.succeeded":
      return settleOrder(tx, order, { to: "paid", payment: paymentOf(event.data.object) }, "webhook");
    case "payment_intent.processing":
      return settleOrder(tx, order, { to: "processing", payment: paymentOf(event.data.object) }, "webhook");
    case "payment_intent.payment_failed": {
      const intent = event.data.object;
      const failure = intent.last_payment_error;
      return settleOrder(tx, order, {
        to: "failed",
        payment: paymentOf(intent),
        failure: { failureCode: failure?.code ?? "payment_failed", declineCode: failure?.decline_code ?? null, failureMessage: failure?.message ?? "The payment failed" },
      }, "webhook");
    }
    case "charge.refunded": {
      const charge = event.data.object;
      const paymentIntentId = typeof charge.payment_intent === "string" ? charge.payment_intent : charge.payment_intent?.id;
      if (!paymentIntentId) return [];
      return settleOrder(tx, order, { to: "refunded", payment: { paymentIntentId, amountCents: charge.amount, currency: charge.currency } }, "webhook");
    }
    default:
      return [];
  }
}

const paymentOf = (intent: Stripe.PaymentIntent) => ({ paymentIntentId: intent.id, amountCents: intent.amount, currency: intent.currency });
