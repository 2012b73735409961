import { setTimeout as sleep } from "node:timers/promises";
import type { Tx } from "@/lib/db.ts";
import type { OrderStatus } from "@/lib/generated/prisma/client.ts";
import { metrics } from "@/lib/metrics.ts";

/*
 * THE ROW-LOCK ORDER. Every transaction that writes shared rows takes their locks in this order
 * and never goes back up it, so no two transactions can each hold a row the other waits for
 * (PostgreSQL would abort one of them: a deadlock).
 *
 *   1. the request's own row — its IdempotencyRecord (inserted, taken over, or lockRecord) or
 *      its WebhookEvent (inserted), before anything below;
 *   2. Cart      — lockCart, before any of the cart's CartItem rows;
 *   3. Order     — lockOrder (or the UPDATE that inserts or takes it), before any Payment or
 *                  OutboxMessage of it;
 *   4. the rest  — CartItem, Payment, OutboxMessage.
 *
 *   checkout claim  1, then reads the cart without a lock (one statement), 3 (a new order)
 *   settle          1, 2, 3, 4; completes its record last (already held)
 *   webhook         1, 2, 3, 4     (through settleOrder, lib/checkout/settle.ts)
 *   cart edit       2, 4           (lib/cart.ts: setCartQuantity)
 *   refund          3, 4           (lib/refunds.ts)
 *   completer, release, purge: 1 only (a record); for an order no record works on, its attempt
 *                  lock is one UPDATE of the Order alone, and its settle is the settle's 2, 3, 4
 *   mail consumer   its ProcessedMessage row (its "own row", upserted), then a MailboxEntry
 *                   insert (FOR KEY SHARE on the Order; lib/mail/consume.ts)
 *   outbox relay    OutboxMessage rows only (claimed SKIP LOCKED, marked one at a time)
 *
 * The locks are FOR NO KEY UPDATE, what a plain UPDATE takes: inserting a row that references
 * another (Order → Cart, Payment → Order, CartItem → Cart) takes FOR KEY SHARE on the referenced
 * row, which conflicts with FOR UPDATE but not with these. One exception: setting
 * Order.paymentIntentId (UNIQUE) is a key update, which waits for those FOR KEY SHARE holders;
 * every such insert happens under the order's lock, so they are never someone else's.
 */

/** Locks a request's idempotency record: the first lock of a transaction that will complete it. */
export async function lockRecord(tx: Tx, recordId: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM "IdempotencyRecord" WHERE id = ${recordId} FOR NO KEY UPDATE`;
}

/**
 * Locks the cart row if the cart is still at `version` (any version when omitted). Returns
 * whether it did: a cart that moved on is not this transaction's to change.
 */
export async function lockCart(tx: Tx, cartId: string | null, version?: number | null): Promise<boolean> {
  if (!cartId || version === null) return false;
  const rows = version === undefined
    ? await tx.$queryRaw<unknown[]>`SELECT 1 FROM "Cart" WHERE id = ${cartId} FOR NO KEY UPDATE`
    : await tx.$queryRaw<unknown[]>`SELECT 1 FROM "Cart" WHERE id = ${cartId} AND version = ${version} FOR NO KEY UPDATE`;
  return rows.length === 1;
}

/** Locks the order row and returns its status as of now (a locking read sees the latest commit). */
export async function lockOrder(tx: Tx, orderId: string): Promise<OrderStatus> {
  const [row] = await tx.$queryRaw<{ status: OrderStatus }[]>`SELECT status FROM "Order" WHERE id = ${orderId} FOR NO KEY UPDATE`;
  if (!row) throw new Error(`Order ${orderId} does not exist`);
  return row.status;
}

export type ConflictReason = "deadlock" | "serialization_failure";

/**
 * A transaction PostgreSQL aborted to break a deadlock (40P01) or a serialization conflict
 * (40001). Both driver adapters put the SQLSTATE in the same place, whatever Prisma code
 * wraps it (P2034 for model queries, P2010 for raw ones, P2039 from the in-process PGlite).
 */
export function conflictReason(error: unknown): ConflictReason | null {
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } } | null)?.meta;
  const code = meta?.driverAdapterError?.cause?.originalCode;
  if (code === "40P01") return "deadlock";
  if (code === "40001") return "serialization_failure";
  return null;
}

const MAX_ATTEMPTS = 4;

/**
 * Runs a transaction again when PostgreSQL aborted it for a conflict, a bounded number of times.
 * For transactions that record something that already happened elsewhere (a charge, a refund):
 * giving up would leave the shop without a record of money that moved. The whole transaction
 * re-runs from its first statement, so it must read what it decides on inside itself.
 */
export async function retryingConflicts<T>(transaction: "settle" | "refund", run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const reason = conflictReason(error);
      if (!reason || attempt >= MAX_ATTEMPTS) throw error;
      metrics.transactionRetries.inc({ transaction, reason });
      // The winner usually needs a moment more; a random pause keeps two victims from meeting again.
      await sleep(Math.random() * 20 * attempt);
    }
  }
}
