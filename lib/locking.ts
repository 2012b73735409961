import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import type { Tx } from "@/lib/db.ts";
import { metrics } from "@/lib/metrics.ts";

/*
 * THE ROW-LOCK ORDER. Every transaction that writes shared rows takes their locks in this order
 * and never goes back up it, so no two transactions can each hold a row the other waits for
 * (PostgreSQL would abort one of them: a deadlock).
 *
 *   1. the request's own row — its IdempotencyRecord (inserted, taken over, or locked by the
 *      settle statement) or its WebhookEvent (inserted), before anything below;
 *   2. Cart      — before any of the cart's CartItem rows;
 *   3. Order     — (or the INSERT that creates it), before any Payment or OutboxMessage of it;
 *   4. the rest  — CartItem, Payment, OutboxMessage.
 *
 *   checkout claim  one statement: 1 (record inserted), 3 (a new order), 4 (its items); the cart
 *                   is read without a lock by the look before it (one snapshot)
 *   settle          one statement (lib/checkout/statements/settle-order.ts): 1 (only when the
 *                   checkout finishes its record there), 2, 3, 4; within the statement each lock
 *                   waits for the one before it
 *   webhook         1, then the settle statement's 2, 3, 4 in the same transaction
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

/** Locks the cart row; false when the cart does not exist. */
export async function lockCart(tx: Tx, cartId: string): Promise<boolean> {
  const rows = await tx.$queryRaw<unknown[]>`SELECT 1 FROM "Cart" WHERE id = ${cartId} FOR NO KEY UPDATE`;
  return rows.length === 1;
}

export type ConflictReason = "deadlock" | "serialization_failure";

/**
 * The SQLSTATE of a database error, wherever the driver put it: both adapters put it in the same
 * place, whatever Prisma code wraps it (P2034 for model queries, P2010 for raw ones, P2039 from
 * the in-process PGlite); node-postgres itself, for a statement run on the pool (lib/sql.ts), in
 * the error's own `code` (a Prisma error's `code` is Prisma's, hence the class test).
 */
export function sqlState(error: unknown): string | undefined {
  if (error instanceof pg.DatabaseError) return error.code;
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } } | null)?.meta;
  return meta?.driverAdapterError?.cause?.originalCode;
}

/** A transaction PostgreSQL aborted to break a deadlock (40P01) or a serialization conflict (40001). */
export function conflictReason(error: unknown): ConflictReason | null {
  const code = sqlState(error);
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
