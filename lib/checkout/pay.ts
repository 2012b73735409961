import { audit, recordAudit } from "@/lib/audit.ts";
import { db } from "@/lib/db.ts";
import { env } from "@/lib/env.ts";
import type { Order } from "@/lib/generated/prisma/client.ts";
import { metrics } from "@/lib/metrics.ts";
import { chargeOrder, outcomeOfIntent, type ChargeResult, type StripeOperation } from "@/lib/payments/payment-intents.ts";
import { stripe, type Stripe } from "@/lib/payments/stripe.ts";
import { advanceAttempt } from "@/lib/checkout/attempts.ts";
import { pausePoint } from "@/lib/test-hooks.ts";

type Reason = "key_window_passed" | "provider_error_saved";

/**
 * The Stripe call of a `pending` order, by whoever holds its attempt: the checkout (the record's
 * lease) or the completer (the record's, or the order's own attempt lock). No transaction is
 * open across it: a slow Stripe must never hold a lock.
 *
 *   key window passed?  → RECONCILE first: Stripe forgot the key, so the same key could charge again
 *   create under the attempt's key
 *   a saved 5xx?        → RECONCILE: the key can only replay that error
 *   RECONCILE: a PaymentIntent for this attempt → its state is the answer;
 *              none → NEXT ATTEMPT (compare-and-set, committed) → create under the new key
 */
/** What paying an order's current attempt needs to know of it. */
export type PayableAttempt = Pick<Order, "id" | "scope" | "totalCents" | "currency" | "paymentMethod" | "cartId" | "apiClientId" | "attempt" | "attemptStartedAt">;

export async function payOrder(order: PayableAttempt): Promise<ChargeResult> {
  await pausePoint("after_order_created", order.scope);
  const charged = await chargeAttempt(order);
  // Test and lab hook: a crash here is the worst moment — Stripe charged, nothing recorded yet.
  await pausePoint("after_payment", order.scope);
  return charged;
}

async function chargeAttempt(order: PayableAttempt): Promise<ChargeResult> {
  let current: PayableAttempt = order;
  if (Date.now() - order.attemptStartedAt.getTime() > env().PROVIDER_KEY_WINDOW_MS) {
    const reconciled = await reconcile(order, "key_window_passed");
    if ("result" in reconciled) return reconciled.result;
    current = reconciled.next;
  }
  const charged = await chargeOrder(current);
  if (charged.kind !== "unknown" || !charged.keySpent) return charged;
  const reconciled = await reconcile(current, "provider_error_saved");
  return "result" in reconciled ? reconciled.result : chargeOrder(reconciled.next);
}

/**
 * Whether Stripe holds a PaymentIntent for the order's current attempt: if so, its state is the
 * outcome (nothing is created); if not, the order moves to its next attempt.
 */
async function reconcile(order: PayableAttempt, reason: Reason): Promise<{ result: ChargeResult } | { next: PayableAttempt }> {
  let found: { paymentIntent: Stripe.PaymentIntent | null; operation: StripeOperation };
  try {
    found = await findAttemptIntent(order);
  } catch (error) {
    metrics.reconciliations.inc({ reason, outcome: "error" });
    const message = error instanceof Error ? error.message : String(error);
    return { result: { kind: "unknown", message, idempotencyKey: null, replayed: false, operation: "payment_intents.list" } };
  }
  if (found.paymentIntent) {
    metrics.reconciliations.inc({ reason, outcome: "found" });
    return { result: { ...outcomeOfIntent(found.paymentIntent), idempotencyKey: null, replayed: false, operation: found.operation } };
  }
  const won = await db.$transaction(async (tx) => {
    if (!(await advanceAttempt(tx, order.id, order.attempt))) return false;
    await recordAudit(tx, [audit("payment_attempt", { scope: order.scope, orderId: order.id }, { attempt: order.attempt + 1, reason })]);
    return true;
  });
  metrics.reconciliations.inc({ reason, outcome: won ? "next_attempt" : "lost_race" });
  if (won) metrics.paymentAttemptsBeyondFirst.inc();
  await pausePoint("after_next_attempt", order.scope);
  // Lost the race: another process made the next attempt, and the same key is the winner's.
  return { next: await db.order.findUniqueOrThrow({ where: { id: order.id } }) };
}

/**
 * The PaymentIntent made for the order's current attempt, if any (metadata.orderId and
 * metadata.attempt, absent for attempt 1). Stripe's search is not read-after-write consistent
 * (a new PaymentIntent may take a minute or more to show), so "search found nothing" right after
 * a write proves nothing: everything created since PROVIDER_SEARCH_FRESHNESS_MS before the
 * attempt (or before now) is read with a list, which is; only older ones are searched.
 */
async function findAttemptIntent(order: PayableAttempt): Promise<{ paymentIntent: Stripe.PaymentIntent | null; operation: StripeOperation }> {
  const { PROVIDER_SEARCH_FRESHNESS_MS: freshness } = env();
  const matches = (pi: Stripe.PaymentIntent) => pi.metadata?.orderId === order.id && (pi.metadata?.attempt ?? "1") === String(order.attempt);
  // Stripe's clock and ours may differ a little: each list starts a few minutes early.
  const margin = 5 * 60_000;
  const searchable = Date.now() - order.attemptStartedAt.getTime() > freshness;
  const listFrom = searchable ? Date.now() - freshness - margin : order.attemptStartedAt.getTime() - margin;
  for await (const pi of stripe().paymentIntents.list({ created: { gte: Math.floor(listFrom / 1000) }, limit: 100 })) {
    if (matches(pi)) return { paymentIntent: pi, operation: "payment_intents.list" };
  }
  if (!searchable) return { paymentIntent: null, operation: "payment_intents.list" };
  const { data } = await stripe().paymentIntents.search({ query: `metadata['orderId']:'${order.id}'`, limit: 100 });
  return { paymentIntent: data.find(matches) ?? null, operation: "payment_intents.search" };
}
