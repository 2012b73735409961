import { randomUUID } from "node:crypto";
import type { Tx } from "@/lib/db.ts";
import { dbAgo, dbNow } from "@/lib/db-clock.ts";
import { RecoveryPoint } from "@/lib/idempotency.ts";

/*
 * The payment attempt of an order, seen from the order itself: when it started (the database's
 * clock), and who is working on it when no idempotency record is (the completer, for an order
 * whose record is gone, or finished while the order still waits for its webhook).
 *
 * Liveness of an attempt: an order is being worked on while an unfinished record (ORDER_CREATED)
 * points at it — whoever holds that record's lock pays it — or while its own attempt lock is
 * younger than CHECKOUT_LOCK_TIMEOUT_MS. Anything else that is `pending` or `processing` and idle
 * is stuck.
 */

export type StuckOrder = { id: string; scope: string };

/** Orders no attempt is working on, idle longer than `idleMs`, oldest first (index on status, attemptStartedAt). */
export function findStuckOrders(tx: Tx, idleMs: number, lockTimeoutMs: number, limit: number): Promise<StuckOrder[]> {
  return tx.$queryRaw<StuckOrder[]>`
    SELECT o.id, o.scope FROM "Order" o
    WHERE o.status IN ('pending', 'processing') AND o."attemptStartedAt" <= ${dbAgo(idleMs)}
      AND (o."attemptLockedAt" IS NULL OR o."attemptLockedAt" <= ${dbAgo(lockTimeoutMs)})
      AND NOT EXISTS (SELECT 1 FROM "IdempotencyRecord" r WHERE r."recoveryPoint" = ${RecoveryPoint.orderCreated} AND r."orderId" = o.id)
      -- The naive teaching checkout charged without a key: resuming it under the derived key could charge again.
      AND o."idempotencyKey" NOT LIKE 'naive\\_%'
    ORDER BY o."attemptStartedAt"
    LIMIT ${limit}`;
}

/**
 * Takes an order's attempt lock, by compare-and-set: only while the order is unfinished, its lock
 * empty or stale, and no unfinished record is working on it. Under READ COMMITTED a second
 * contender's UPDATE waits for the first, then re-checks the row it committed: one wins.
 */
export async function lockAttempt(tx: Tx, orderId: string, lockTimeoutMs: number): Promise<string | null> {
  const token = randomUUID();
  const rows = await tx.$queryRaw<{ id: string }[]>`
    UPDATE "Order" o SET "attemptLockedAt" = ${dbNow}, "attemptLockToken" = ${token}
    WHERE o.id = ${orderId} AND o.status IN ('pending', 'processing')
      AND (o."attemptLockedAt" IS NULL OR o."attemptLockedAt" <= ${dbAgo(lockTimeoutMs)})
      AND NOT EXISTS (SELECT 1 FROM "IdempotencyRecord" r WHERE r."recoveryPoint" = ${RecoveryPoint.orderCreated} AND r."orderId" = o.id)
    RETURNING o.id`;
  return rows.length === 1 ? token : null;
}

/** Releases the attempt lock if `token` still holds it (a holder that was taken over changes nothing). */
export async function unlockAttempt(tx: Tx, orderId: string, token: string): Promise<boolean> {
  const count = await tx.$executeRaw`
    UPDATE "Order" SET "attemptLockedAt" = NULL, "attemptLockToken" = NULL WHERE id = ${orderId} AND "attemptLockToken" = ${token}`;
  return count === 1;
}

/**
 * Moves an order from attempt `from` to the next, by compare-and-set: of any number of contenders
 * (a retry, the completer, a slow attempt) one wins, and only its caller creates a PaymentIntent
 * under the new key — after this commits, so a crash in between leaves the new attempt recorded.
 */
export async function advanceAttempt(tx: Tx, orderId: string, from: number): Promise<boolean> {
  const count = await tx.$executeRaw`
    UPDATE "Order" SET attempt = attempt + 1, "attemptStartedAt" = ${dbNow} WHERE id = ${orderId} AND attempt = ${from} AND status = 'pending'`;
  return count === 1;
}

/** Seconds since the oldest unfinished (`pending` or `processing`) order's attempt started; 0 when there is none. */
export async function oldestUnfinishedSeconds(tx: Tx): Promise<number> {
  const [row] = await tx.$queryRaw<{ seconds: number | null }[]>`
    SELECT extract(epoch FROM ${dbNow} - min("attemptStartedAt"))::float8 AS seconds FROM "Order" WHERE status IN ('pending', 'processing')`;
  return Math.max(0, row?.seconds ?? 0);
}
