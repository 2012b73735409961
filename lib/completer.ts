import { audit, recordAudit } from "@/lib/audit.ts";
import { db } from "@/lib/db.ts";
import { dbAgo } from "@/lib/db-clock.ts";
import { env } from "@/lib/env.ts";
import { findStuckOrders, lockAttempt, unlockAttempt, type StuckOrder } from "@/lib/checkout/attempts.ts";
import { resumeFromOrderCreated } from "@/lib/checkout/checkout.ts";
import { payOrder } from "@/lib/checkout/pay.ts";
import { applyPaymentOutcome, stripeCallStep } from "@/lib/checkout/settle.ts";
import { RecoveryPoint, takeOver } from "@/lib/idempotency.ts";
import { retryingConflicts } from "@/lib/locking.ts";
import { logger } from "@/lib/log.ts";
import { retrieveCharge } from "@/lib/payments/payment-intents.ts";
import { pausePoint } from "@/lib/test-hooks.ts";

type Options = { olderThanMs?: number; limit?: number };

/**
 * Finishes stuck checkouts, `COMPLETER_IDLE_MS` after they went idle (by the database's clock):
 * - records left at ORDER_CREATED: the shopper closed the tab after "payment status unknown", or
 *   the process died mid-payment. Like Stripe's own completer, it runs minutes after the fact —
 *   long before Stripe forgets our key (24 h) — so resuming sends Stripe the same key and gets
 *   the first attempt's result instead of a second charge;
 * - orders no record is working on: `pending` ones (their record was purged by an earlier
 *   version) are paid the same way, `processing` ones whose webhook never came are settled from
 *   the PaymentIntent's current state. Found from the orders themselves, under their own attempt
 *   lock (lib/checkout/attempts.ts).
 */
export async function completeStuckCheckouts(options: Options = {}): Promise<number> {
  return (await completeStuckRecords(options)) + (await completeStuckOrders(options));
}

async function completeStuckRecords(options: Options): Promise<number> {
  const config = env();
  const stuck = await db.$queryRaw<{ id: string; orderId: string | null; scope: string }[]>`
    SELECT id, "orderId", scope FROM "IdempotencyRecord"
    WHERE "recoveryPoint" = ${RecoveryPoint.orderCreated}
      AND "updatedAt" <= ${dbAgo(options.olderThanMs ?? config.COMPLETER_IDLE_MS)}
      AND ("lockedAt" IS NULL OR "lockedAt" <= ${dbAgo(config.CHECKOUT_LOCK_TIMEOUT_MS)})
    ORDER BY "updatedAt" ASC
    LIMIT ${options.limit ?? 20}`;
  let completed = 0;
  for (const record of stuck) {
    const { orderId } = record;
    if (!orderId) continue;
    const lease = await db.$transaction(async (tx) => {
      const taken = await takeOver(tx, record.id, config.CHECKOUT_LOCK_TIMEOUT_MS);
      if (taken) await recordAudit(tx, [audit("completer", { scope: record.scope, orderId }, { action: "took_over" })]);
      return taken;
    });
    if (!lease) continue;
    await pausePoint("completer_took_over", record.scope);
    const result = await resumeFromOrderCreated(lease, orderId);
    logger.info({ recordId: record.id, orderId, status: result.status }, "completer resumed a stuck checkout");
    if (result.status !== 503) completed += 1;
  }
  return completed;
}

async function completeStuckOrders(options: Options): Promise<number> {
  const config = env();
  const stuck = await findStuckOrders(db, options.olderThanMs ?? config.COMPLETER_IDLE_MS, config.CHECKOUT_LOCK_TIMEOUT_MS, options.limit ?? 20);
  let completed = 0;
  for (const order of stuck) {
    const token = await db.$transaction(async (tx) => {
      const taken = await lockAttempt(tx, order.id, config.CHECKOUT_LOCK_TIMEOUT_MS);
      if (taken) await recordAudit(tx, [audit("completer", { scope: order.scope, orderId: order.id }, { action: "took_over_order" })]);
      return taken;
    });
    if (!token) continue;
    await pausePoint("completer_took_over", order.scope);
    try {
      if (await settleStuckOrder(order, token)) completed += 1;
    } catch (error) {
      // Its lock goes stale and the next run tries again; the other orders go on.
      logger.error({ err: error, orderId: order.id }, "completer could not settle a stuck order");
    }
  }
  return completed;
}

/**
 * Pays a `pending` order (same key as every earlier attempt: Stripe replays a charge that
 * happened), or reads a `processing` one's PaymentIntent; then settles the order and releases its
 * attempt lock in one transaction. An answer that is still unknown or still processing leaves
 * the order for a later run (unknown: unlocked at once; processing: once its lock is stale).
 */
async function settleStuckOrder(stuck: StuckOrder, token: string): Promise<boolean> {
  const order = await db.order.findUniqueOrThrow({ where: { id: stuck.id } });
  const subject = { scope: order.scope, orderId: order.id };
  const charged = order.status === "pending" ? await payOrder(order) : order.paymentIntentId ? await retrieveCharge(order.paymentIntentId) : null;
  if (!charged || (order.status === "processing" && charged.kind === "processing")) return false;
  if (charged.kind === "unknown") {
    await db.$transaction(async (tx) => {
      await unlockAttempt(tx, order.id, token);
      await recordAudit(tx, [stripeCallStep(subject, charged), audit("lock_released", subject, { reason: "the payment's outcome is unknown" })]);
    });
    return false;
  }
  await retryingConflicts("settle", () =>
    db.$transaction(async (tx) => {
      const steps = await applyPaymentOutcome(tx, order, charged, "completer"); // cart, order (lib/locking.ts)
      // Still processing: the lock stays until it is stale, so the next look at Stripe waits that long.
      if (charged.kind !== "processing") await unlockAttempt(tx, order.id, token);
      await recordAudit(tx, steps);
    }),
  );
  logger.info({ orderId: order.id, from: order.status }, "completer settled a stuck order");
  return true;
}
