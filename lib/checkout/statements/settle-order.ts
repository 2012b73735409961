import { z } from "zod";
import type { AuditEntry } from "@/lib/audit.ts";
import type { Db, Tx } from "@/lib/db.ts";
import { dbNow } from "@/lib/db-clock.ts";
import { Prisma } from "@/lib/generated/prisma/client.ts";
import { RecoveryPoint } from "@/lib/idempotency.ts";
import { sql } from "@/lib/sql.ts";

/*
 * THE SETTLE, as one statement: one snapshot, one commit (autocommit), or one step of the
 * caller's transaction (a webhook's, whose event id must commit with the effect).
 *
 * It takes its row locks in the order of lib/locking.ts, each CTE waiting for the one before it
 * through an uncorrelated scalar subquery (an InitPlan, run once before the rows it filters):
 *   the request's own row (a webhook's event, inserted; or the checkout's record, when it is
 *   finished here) → cart → order → payment, outbox, cart items.
 * A locking read under READ COMMITTED returns the row as the last writer committed it, not as the
 * statement's snapshot had it: `locked` is the order as it is now, and the UPDATE re-checks its
 * WHERE on that version, so of two settles (the checkout's answer and a webhook) one moves the
 * order and the other changes nothing.
 */

export type OrderStatus = "pending" | "processing" | "paid" | "failed" | "refunded";

/** What one settle asks of an order: move it to `to` from one of `from` and record the payment. */
export type SettleInput = {
  order: { id: string; scope: string; cartId: string | null; cartVersion: number | null };
  to: OrderStatus;
  from: OrderStatus[];
  /** Set on the order; null keeps the order's own. */
  changes: { paymentIntentId: string | null; failureCode: string | null; declineCode: string | null; failureMessage: string | null };
  payment: { paymentIntentId: string; status: string; amountCents: number; currency: string; earlierStatuses: string[] } | null;
  /** The confirmation queued when the order becomes paid (UNIQUE(order, kind): at most one). */
  confirmation: { kind: string; subject: string; body: string };
  /**
   * Timeline steps: `event` first, with `result` (applied, no_change or duplicate) filled in;
   * `always` whatever happens; `moved` only if this settle moved the order; `paid` only if it made it paid.
   */
  steps: { event?: AuditEntry[]; always: AuditEntry[]; moved: AuditEntry[]; paid: AuditEntry[] };
  /** The checkout finishing its record here, with the answer it built for the order in state `expected`. */
  finish: Finish | null;
  /**
   * A webhook's event, recorded by id in the same commit as its effect: a delivery whose id is
   * already recorded (a redelivery, or a concurrent duplicate that committed first) changes
   * nothing, and its `event` steps say "duplicate".
   */
  event: { id: string; type: string } | null;
};

/**
 * The answer was built before the statement, for the order as this settle leaves it. It is stored
 * only if the order is exactly in that state afterwards (whoever moved it): an answer is the
 * order's state, so a matching state makes it the right answer. Otherwise nothing is finished and
 * the caller stores the answer for the state the statement returns.
 */
export type Finish = {
  recordId: string;
  token: string;
  expected: { status: OrderStatus; paymentIntentId: string | null; failureCode: string | null; declineCode: string | null; failureMessage: string | null };
  status: number;
  bodyText: string;
  steps: AuditEntry[];
};

const settled = z.object({
  first: z.boolean(),
  from: z.string(),
  moved: z.boolean(),
  finished: z.boolean(),
  status: z.string(),
  paymentIntentId: z.string().nullable(),
  failureCode: z.string().nullable(),
  declineCode: z.string().nullable(),
  failureMessage: z.string().nullable(),
});
export type Settled = Omit<z.infer<typeof settled>, "from" | "status"> & { from: OrderStatus; status: OrderStatus };

/** A webhook's delivery that was already recorded: nothing was locked, read or changed. */
export type Duplicate = { first: false };

/** Every step the statement may write, each with the condition under which it is written. */
function stepsJson({ steps }: SettleInput, finish: Finish | null): string {
  const tagged = (entries: AuditEntry[], when: string) => entries.map(({ kind, detail }) => ({ kind, detail, when }));
  return JSON.stringify([...tagged(steps.event ?? [], "event"), ...tagged(steps.always, "always"), ...tagged(steps.moved, "moved"), ...tagged(steps.paid, "paid"), ...tagged(finish?.steps ?? [], "finished")]);
}

export async function settleOrderStatement(tx: Tx | Db, input: SettleInput): Promise<Settled | Duplicate> {
  const { order, changes, payment, finish, event } = input;
  const cartId = input.to === "refunded" ? null : order.cartId;
  const rows = await sql.query(tx, Prisma.sql`
    WITH
    -- 1. The request's own row, first in the lock order: a webhook's event id (inserted; a
    --    concurrent delivery of the same event waits here for the first to commit, then inserts
    --    nothing), or the checkout's record. Absent when the caller has neither.
    event AS (
      INSERT INTO "WebhookEvent" (id, type, "orderId", "receivedAt")
      SELECT ${event?.id ?? null}, ${event?.type ?? null}, ${order.id}, ${dbNow} WHERE ${event !== null}
      ON CONFLICT (id) DO NOTHING
      RETURNING id
    ),
    -- Everything below happens only for a first delivery (or when there is no event at all).
    applies AS (
      SELECT ${event === null} OR EXISTS (SELECT 1 FROM event) AS yes
    ),
    record AS (
      SELECT id FROM "IdempotencyRecord" WHERE id = ${finish?.recordId ?? null} FOR NO KEY UPDATE
    ),
    -- 2. The cart, only while it is still at the order's version: an order leaving "pending" moves
    --    its cart on exactly once, and a cart the shopper changed since is not this order's to touch.
    cart AS (
      SELECT id FROM "Cart" WHERE id = ${cartId} AND version = ${order.cartVersion}
        AND (SELECT count(*) FROM record) >= 0 AND (SELECT yes FROM applies)
      FOR NO KEY UPDATE
    ),
    -- 3. The order as it is now (the locking read sees the latest commit, not the snapshot).
    locked AS (
      SELECT id, status::text AS status, "paymentIntentId", "failureCode", "declineCode", "failureMessage"
      FROM "Order" WHERE id = ${order.id} AND (SELECT count(*) FROM cart) >= 0 AND (SELECT yes FROM applies)
      FOR NO KEY UPDATE
    ),
    -- The forward-only move: only from a state that may precede the target. Whoever settles second
    -- finds the order already there (or past it) and changes nothing.
    moved AS (
      UPDATE "Order" o SET
        status = ${input.to}::"OrderStatus",
        "paymentIntentId" = COALESCE(${changes.paymentIntentId}, o."paymentIntentId"),
        "failureCode" = COALESCE(${changes.failureCode}, o."failureCode"),
        "declineCode" = COALESCE(${changes.declineCode}, o."declineCode"),
        "failureMessage" = COALESCE(${changes.failureMessage}, o."failureMessage"),
        "updatedAt" = ${dbNow}
      FROM locked l
      WHERE o.id = l.id AND l.status = ANY(${input.from}::text[])
      RETURNING o.id, l.status AS "from", o.status::text AS status, o."paymentIntentId", o."failureCode", o."declineCode", o."failureMessage"
    ),
    -- 4. One Payment row per PaymentIntent (UNIQUE), whose status also only moves forward; written
    --    whether or not this settle moved the order (a webhook may have moved it with another PI state).
    payment AS (
      INSERT INTO "Payment" (id, "orderId", "paymentIntentId", status, "amountCents", currency, "createdAt", "updatedAt")
      SELECT gen_random_uuid()::text, l.id, ${payment?.paymentIntentId ?? null}, ${payment?.status ?? null}, ${payment?.amountCents ?? null}, ${payment?.currency ?? null}, ${dbNow}, ${dbNow}
      FROM locked l WHERE ${payment !== null}
      ON CONFLICT ("paymentIntentId") DO UPDATE SET status = EXCLUDED.status, "updatedAt" = EXCLUDED."updatedAt"
        WHERE "Payment".status = ANY(${payment?.earlierStatuses ?? []}::text[])
      RETURNING id
    ),
    -- The confirmation, only by the settle that made the order paid.
    outbox AS (
      INSERT INTO "OutboxMessage" (id, "orderId", kind, recipient, subject, body, "createdAt")
      SELECT gen_random_uuid()::text, m.id, ${input.confirmation.kind}, ${order.scope}, ${input.confirmation.subject}, ${input.confirmation.body}, ${dbNow}
      FROM moved m WHERE m.status = 'paid'
      ON CONFLICT ("orderId", kind) DO NOTHING
      RETURNING id
    ),
    -- Leaving "pending" moves the cart past the order's version: a placed order empties it, a failed
    -- one keeps its items for another try under a new version (so a new key, a new order).
    cart_moved AS (
      UPDATE "Cart" c SET version = c.version + 1, "updatedAt" = ${dbNow}
      FROM cart, moved m WHERE c.id = cart.id AND m."from" = 'pending'
      RETURNING c.id
    ),
    cart_emptied AS (
      DELETE FROM "CartItem" i USING cart, moved m
      WHERE i."cartId" = cart.id AND m."from" = 'pending' AND m.status <> 'failed'
      RETURNING i.id
    ),
    final AS (
      SELECT COALESCE(m.status, l.status) AS status,
             CASE WHEN m.id IS NULL THEN l."paymentIntentId" ELSE m."paymentIntentId" END AS "paymentIntentId",
             CASE WHEN m.id IS NULL THEN l."failureCode" ELSE m."failureCode" END AS "failureCode",
             CASE WHEN m.id IS NULL THEN l."declineCode" ELSE m."declineCode" END AS "declineCode",
             CASE WHEN m.id IS NULL THEN l."failureMessage" ELSE m."failureMessage" END AS "failureMessage",
             l.status AS "from", m.id IS NOT NULL AS moved
      FROM locked l LEFT JOIN moved m ON m.id = l.id
    ),
    -- The record finishes with the prepared answer only if the order is in the state it describes,
    -- and only for the attempt that still holds it (a slow attempt that was taken over leaves the
    -- record to its taker, which stores the same answer).
    finished AS (
      UPDATE "IdempotencyRecord" r SET "recoveryPoint" = ${RecoveryPoint.finished}, "responseStatus" = ${finish?.status ?? null},
        "responseText" = ${finish?.bodyText ?? null}, "lockedAt" = NULL, "lockToken" = NULL, "updatedAt" = ${dbNow}
      FROM record, final f
      WHERE r.id = record.id AND r."lockToken" = ${finish?.token ?? null}
        AND f.status = ${finish?.expected.status ?? null}
        AND f."paymentIntentId" IS NOT DISTINCT FROM ${finish?.expected.paymentIntentId ?? null}
        AND f."failureCode" IS NOT DISTINCT FROM ${finish?.expected.failureCode ?? null}
        AND f."declineCode" IS NOT DISTINCT FROM ${finish?.expected.declineCode ?? null}
        AND f."failureMessage" IS NOT DISTINCT FROM ${finish?.expected.failureMessage ?? null}
      RETURNING r.id
    ),
    -- The timeline, in the same commit as the changes it records, in the order given; each step
    -- only if what it records happened.
    steps AS (
      INSERT INTO "AuditEvent" (at, scope, "orderId", kind, detail)
      SELECT ${dbNow}, ${order.scope}, ${order.id}, e.kind,
        CASE WHEN e."when" = 'event' THEN e.detail || jsonb_build_object('result',
          CASE WHEN NOT (SELECT yes FROM applies) THEN 'duplicate' WHEN EXISTS (SELECT 1 FROM moved) THEN 'applied' ELSE 'no_change' END)
        ELSE e.detail END
      FROM ROWS FROM (jsonb_to_recordset(${stepsJson(input, finish)}::jsonb) AS (kind text, detail jsonb, "when" text)) WITH ORDINALITY AS e(kind, detail, "when", n)
      WHERE e."when" IN ('event', 'always')
         OR (e."when" = 'moved' AND EXISTS (SELECT 1 FROM moved))
         OR (e."when" = 'paid' AND EXISTS (SELECT 1 FROM moved WHERE status = 'paid'))
         OR (e."when" = 'finished' AND EXISTS (SELECT 1 FROM finished))
      ORDER BY e.n
      RETURNING id
    )
    SELECT a.yes AS first, f."from", f.moved, EXISTS (SELECT 1 FROM finished) AS finished, f.status, f."paymentIntentId", f."failureCode", f."declineCode", f."failureMessage"
    FROM applies a LEFT JOIN final f ON true`);
  const row = rows[0] as { first: boolean; from: string | null } | undefined;
  if (row && !row.first) return { first: false };
  if (!row || row.from === null) throw new Error(`Order ${order.id} does not exist`);
  return settled.parse(row) as Settled;
}
