import { audit, recordAudit } from "@/lib/audit.ts";
import { db } from "@/lib/db.ts";
import { dbAgo } from "@/lib/db-clock.ts";
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
export async function completeStuckCheckouts(options: { olderThanMs?: number; limit?: number } = {}): Promise<number> {
  const config = env();
  const idleMs = options.olderThanMs ?? config.COMPLETER_IDLE_MS;
  // Idle and unlocked (or its lock stale), both by the database's clock: instances' clocks may differ.
  const stuck = await db.$queryRaw<{ id: string; orderId: string | null; scope: string }[]>`
    SELECT id, "orderId", scope FROM "IdempotencyRecord"
    WHERE "recoveryPoint" = ${RecoveryPoint.orderCreated}
      AND "updatedAt" <= ${dbAgo(idleMs)}
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
