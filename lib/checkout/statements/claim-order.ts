import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { AuditEntry } from "@/lib/audit.ts";
import type { Db } from "@/lib/db.ts";
import { dbLater, dbNow } from "@/lib/db-clock.ts";
import { sql } from "@/lib/sql.ts";
import { Prisma } from "@/lib/generated/prisma/client.ts";
import { RecoveryPoint, type ClaimInput } from "@/lib/idempotency.ts";
import { sqlState } from "@/lib/locking.ts";
import type { PricedLine } from "@/lib/checkout/statements/look-up.ts";

/*
 * THE CLAIM, as one statement (autocommit: all of it commits, or none): the idempotency record,
 * inserted straight at ORDER_CREATED, its order, the order's lines and their timeline steps.
 *
 * - The record is inserted with ON CONFLICT (scope, key) DO NOTHING: of any number of concurrent
 *   claims of one key exactly one inserts; the others wait for it to commit and insert nothing.
 * - The order is inserted FROM the record's RETURNING: no record, no order. It is inserted
 *   WITHOUT ON CONFLICT, so if it breaks a unique constraint (the same cart version ordered
 *   under another key in another tab, or an order whose record was purged) the whole statement
 *   fails: no record is ever committed without its order.
 * - Every branch sees the snapshot from before the statement: an empty result means "someone
 *   else got there", never "not found". Both cases return null, and the caller goes to the
 *   transactional claim, which reads what committed and decides (replay, 409, 422, takeover, or
 *   the other tab's order).
 */

export type ClaimedOrder = { recordId: string; token: string; orderId: string; createdAt: Date; attemptStartedAt: Date };

export type NewOrder = {
  scope: string;
  key: string;
  paymentMethod: string;
  cartId: string | null;
  cartVersion: number | null;
  apiClientId: string | null;
  totalCents: number;
  currency: string;
  lines: PricedLine[];
};

const claimedRow = z.object({ createdAt: z.coerce.date(), attemptStartedAt: z.coerce.date() });

const UNIQUE_VIOLATION = "23505";

/**
 * An order's id, made in the app because the record inserted before it in the same statement
 * points at it: 32 lowercase hex characters, in the same alphabet as the ids Prisma makes (cuid),
 * so order URLs and Stripe's derived keys look alike whichever path made the order.
 */
export const newOrderId = () => randomUUID().replaceAll("-", "");

export async function claimOrder(db: Db, key: ClaimInput, order: NewOrder, ttlMs: number, steps: (orderId: string) => AuditEntry[]): Promise<ClaimedOrder | null> {
  const [recordId, token, orderId] = [randomUUID(), randomUUID(), newOrderId()];
  const lines = JSON.stringify(order.lines.map(({ currency: _currency, ...line }) => line));
  const timeline = JSON.stringify(steps(orderId).map(({ kind, detail }) => ({ kind, detail })));
  let rows: unknown[];
  try {
    rows = await sql.query(db, Prisma.sql`
      WITH record AS (
        INSERT INTO "IdempotencyRecord" (id, scope, key, fingerprint, "recoveryPoint", "orderId", "lockedAt", "lockToken", "expiresAt", "createdAt", "updatedAt")
        VALUES (${recordId}, ${key.scope}, ${key.key}, ${key.fingerprint}, ${RecoveryPoint.orderCreated}, ${orderId}, ${dbNow}, ${token}, ${dbLater(ttlMs)}, ${dbNow}, ${dbNow})
        ON CONFLICT (scope, key) DO NOTHING
        RETURNING "orderId"
      ),
      created AS (
        INSERT INTO "Order" (id, scope, "idempotencyKey", "cartId", "cartVersion", "apiClientId", "totalCents", currency, "paymentMethod", "createdAt", "updatedAt")
        SELECT r."orderId", ${order.scope}, ${order.key}, ${order.cartId}, ${order.cartVersion}::int, ${order.apiClientId}, ${order.totalCents}::int, ${order.currency}, ${order.paymentMethod}, ${dbNow}, ${dbNow}
        FROM record r
        RETURNING id, "createdAt", "attemptStartedAt"
      ),
      items AS (
        INSERT INTO "OrderItem" (id, "orderId", "productId", slug, name, "unitPriceCents", quantity)
        SELECT gen_random_uuid()::text, o.id, l."productId", l.slug, l.name, l."unitPriceCents", l.quantity
        FROM created o, jsonb_to_recordset(${lines}::jsonb) AS l("productId" text, slug text, name text, "unitPriceCents" int, quantity int)
      ),
      steps AS (
        INSERT INTO "AuditEvent" (at, scope, "orderId", kind, detail)
        SELECT ${dbNow}, ${order.scope}, o.id, s.kind, s.detail
        FROM created o, ROWS FROM (jsonb_to_recordset(${timeline}::jsonb) AS (kind text, detail jsonb)) WITH ORDINALITY AS s(kind, detail, n)
        ORDER BY s.n
      )
      SELECT "createdAt", "attemptStartedAt" FROM created`);
  } catch (error) {
    if (sqlState(error) === UNIQUE_VIOLATION) return null;
    throw error;
  }
  if (rows.length === 0) return null;
  const { createdAt, attemptStartedAt } = claimedRow.parse(rows[0]);
  return { recordId, token, orderId, createdAt, attemptStartedAt };
}
