import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Db } from "@/lib/db.ts";
import { sql } from "@/lib/sql.ts";
import { dbNow } from "@/lib/db-clock.ts";
import { Prisma } from "@/lib/generated/prisma/client.ts";
import { MAX_QUANTITY } from "@/lib/cart.ts";
import { MAX_AMOUNT_CENTS } from "@/lib/limits.ts";
import { normaliseItems } from "@/lib/checkout/request.ts";
import { newOrderId } from "@/lib/checkout/statements/claim-order.ts";
import { pricedLinesQuery, type LinesSource, type PricedLine } from "@/lib/checkout/statements/look-up.ts";
import { callerQuery, callerRow, type Caller, type ResolvedCaller } from "@/lib/checkout/statements/caller.ts";

/*
 * TEACHING ONLY — the naive checkout's one write before Stripe: a new order, every time. It is as
 * lean as the guarded checkout's claim (one statement: lines priced, order, items, its timeline
 * step), so that the guard's cost is measured against an equally lean baseline; what it lacks is
 * only what makes a request recognisable: no key is claimed, and the order's key is random. An API
 * key is checked in it too (the `caller` CTE, ./caller.ts): an unknown key writes nothing.
 */

const lineRow = z.object({ productId: z.string(), slug: z.string(), name: z.string(), unitPriceCents: z.number().int(), currency: z.string(), quantity: z.number().int() });
const placedRow = z.object({
  caller: callerRow.nullable(),
  lines: z.array(lineRow),
  orderId: z.string().nullable(),
  createdAt: z.coerce.date().nullable(),
  attemptStartedAt: z.coerce.date().nullable(),
});

/** `caller: null`: an unknown API key, nothing read or written. */
export type PlacedNaiveOrder = { caller: ResolvedCaller | null; lines: PricedLine[]; order: { id: string; createdAt: Date; attemptStartedAt: Date; idempotencyKey: string } | null };

export async function placeNaiveOrder(db: Db, input: { caller: Caller; paymentMethod: string; source: LinesSource }): Promise<PlacedNaiveOrder> {
  const [orderId, idempotencyKey] = [newOrderId(), `naive_${randomUUID()}`];
  // Every line known (the API's), none over the quantity cap, one currency, a total Stripe can
  // charge: otherwise nothing is written, and the caller names what was wrong from the lines.
  const wantedLines = input.source.kind === "items" ? Prisma.sql`count(*) = ${normaliseItems(input.source.items).length}` : Prisma.sql`count(*) > 0`;
  const [row] = await sql.query(db, Prisma.sql`
    -- Who is calling: the API key's client (none for an unknown key), or the scope already known;
    -- in this statement, so the key check costs no round trip of its own.
    WITH caller AS (${callerQuery(input.caller)}),
    -- Lines priced only for a caller that exists.
    lines AS (${pricedLinesQuery(input.source, Prisma.sql`EXISTS (SELECT 1 FROM caller)`)}),
    acceptable AS (
      SELECT ${wantedLines} AND max(quantity) <= ${MAX_QUANTITY} AND count(DISTINCT currency) = 1
               AND sum("unitPriceCents"::bigint * quantity) <= ${MAX_AMOUNT_CENTS} AS ok,
             min(currency) AS currency, sum("unitPriceCents"::bigint * quantity) AS total
      FROM lines
    ),
    created AS (
      INSERT INTO "Order" (id, scope, "idempotencyKey", "apiClientId", "totalCents", currency, "paymentMethod", "createdAt", "updatedAt")
      -- The order in the caller's scope, for its client; the join on caller writes nothing without one.
      SELECT ${orderId}, c.scope, ${idempotencyKey}, c.id, a.total::int, a.currency, ${input.paymentMethod}, ${dbNow}, ${dbNow}
      FROM acceptable a, caller c WHERE a.ok
      RETURNING id, scope, "createdAt", "attemptStartedAt"
    ),
    items AS (
      INSERT INTO "OrderItem" (id, "orderId", "productId", slug, name, "unitPriceCents", quantity)
      SELECT gen_random_uuid()::text, o.id, l."productId", l.slug, l.name, l."unitPriceCents", l.quantity FROM created o, lines l
    ),
    step AS (
      INSERT INTO "AuditEvent" (at, scope, "orderId", kind, detail)
      SELECT ${dbNow}, o.scope, o.id, 'naive_order', jsonb_build_object('note', 'nothing tells this request apart from a duplicate') FROM created o
    )
    SELECT (SELECT to_jsonb(c) FROM caller c) AS caller,
           COALESCE((SELECT jsonb_agg(to_jsonb(l) ORDER BY l.slug) FROM lines l), '[]'::jsonb) AS lines,
           (SELECT id FROM created) AS "orderId", (SELECT "createdAt" FROM created) AS "createdAt", (SELECT "attemptStartedAt" FROM created) AS "attemptStartedAt"`);
  const placed = placedRow.parse(row);
  const order = placed.orderId && placed.createdAt && placed.attemptStartedAt ? { id: placed.orderId, createdAt: placed.createdAt, attemptStartedAt: placed.attemptStartedAt, idempotencyKey } : null;
  return { caller: placed.caller, lines: placed.lines, order };
}
