import { setTimeout as sleep } from "node:timers/promises";
import type { Tx } from "@/lib/db.ts";
import type { OrderStatus } from "@/lib/generated/prisma/client.ts";
import { metrics } from "@/lib/metrics.ts";

/*
 * THE ROW-LOCK ORDER. Every transaction that writes shared rows takes their locks in this order
 * and never goes back up it, so no two transactions can each hold a row the other waits for
 * (PostgreSQL would abort one of them: a deadlock).
 *
 *   0. its claim   — the IdempotencyRecord or WebhookEvent it inserts (or takes over), before any
 *                    other lock. A transaction that took over a record locks nothing else after.
 *   1. Cart        — lockCart, before any of the cart's CartItem rows.
 *   2. Order       — lockOrder, before its status changes or any Payment / OutboxMessage of it.
 *   3. the rest    — CartItem, Payment, OutboxMessage; the settle completes its IdempotencyRecord last.
 *
 *   checkout claim  0, then reads the cart without a lock (one statement), inserts a new Order
 *   settle          1, 2, 3        (lib/checkout/settle.ts: settleOrder)
 *   webhook         0, 1, 2, 3     (lib/webhooks.ts, through settleOrder)
 *   cart edit       1, 3           (lib/cart.ts: setCartQuantity)
 *   refund          2, 3           (lib/refunds.ts)
 *   completer, release, purge: 0 only
 *
 * The locks are FOR NO KEY UPDATE, what a plain UPDATE takes: inserting a row that references
 * another (Order → Cart, Payment → Order, CartItem → Cart) takes FOR KEY SHARE on the referenced
 * row, which conflicts with FOR UPDATE but not with these. One exception: setting
 * Order.paymentIntentId (UNIQUE) is a key update, which waits for those FOR KEY SHARE holders;
 * every such insert happens under the order's lock, so they are never someone else's.
 */

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
