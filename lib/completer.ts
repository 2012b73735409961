import { audit, recordAudit } from "@/lib/audit.ts";
import { db } from "@/lib/db.ts";
import { env } from "@/lib/env.ts";
import { resumeFromOrderCreated } from "@/lib/checkout/checkout.ts";
import { RecoveryPoint, takeOver } from "@/lib/idempotency.ts";
import { logger } from "@/lib/log.ts";
import { pausePoint } from "@/lib/test-hooks.ts";

/**
 * Finishes checkouts left at ORDER_CREATED: the shopper closed the tab after "payment status
 * unknown", or the process died mid-payment. Like Stripe's own completer, it runs minutes after
 * the fact — long before Stripe forgets our key (24 h) — so resuming sends Stripe the same key
 * and gets the first attempt's result instead of a second charge.
 */
export async function completeStuckCheckouts(options: { olderThanMs?: number; limit?: number; now?: Date } = {}): Promise<number> {
  const now = options.now ?? new Date();
  const config = env();
  const idleSince = new Date(now.getTime() - (options.olderThanMs ?? config.COMPLETER_IDLE_MS));
  const staleLock = new Date(now.getTime() - config.CHECKOUT_LOCK_TIMEOUT_MS);
  const stuck = await db.idempotencyRecord.findMany({
    where: {
      recoveryPoint: RecoveryPoint.orderCreated,
      updatedAt: { lte: idleSince },
      OR: [{ lockedAt: null }, { lockedAt: { lt: staleLock } }],
    },
    select: { id: true, lockedAt: true, orderId: true, scope: true },
    orderBy: { updatedAt: "asc" },
    take: options.limit ?? 20,
  });
  let completed = 0;
  for (const record of stuck) {
    const { orderId } = record;
    if (!orderId) continue;
    const tookOver = await db.$transaction(async (tx) => {
      if (!(await takeOver(tx, record, now))) return false;
      await recordAudit(tx, [audit("completer", { scope: record.scope, orderId }, { action: "took_over" })]);
      return true;
    });
    if (!tookOver) continue;
    await pausePoint("completer_took_over", record.scope);
    const result = await resumeFromOrderCreated(record.id, orderId);
    logger.info({ recordId: record.id, orderId, status: result.status }, "completer resumed a stuck checkout");
    if (result.status !== 503) completed += 1;
  }
  return completed;
}
