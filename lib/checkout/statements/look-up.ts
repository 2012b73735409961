import { z } from "zod";
import type { Db } from "@/lib/db.ts";
import { sql } from "@/lib/sql.ts";
import { dbNow } from "@/lib/db-clock.ts";
import { Prisma } from "@/lib/generated/prisma/client.ts";
import { RecoveryPoint, type ClaimInput } from "@/lib/idempotency.ts";
import { normaliseItems } from "@/lib/checkout/request.ts";
import { callerQuery, callerRow, type Caller } from "@/lib/checkout/statements/caller.ts";

/*
 * THE LOOK, the checkout's first statement: what the database knows of this key, and, for a new
 * request, its lines priced from the database. One statement is one snapshot, so
 * - a duplicate is answered from it when the record decides alone (a finished request's stored
 *   answer, 422 for another request, 409 while the holder's lock is live), its timeline step
 *   committed with it: a replay, and each look of a waiting duplicate, is this one round trip;
 * - a cart's lines are exactly those of the version it returns (READ COMMITTED gives each
 *   statement its own snapshot: reading the version, then the lines, in two statements could pair
 *   version v with version v+1's lines, the torn cart read).
 * - an API request's key is checked in it (the `caller` CTE, ./caller.ts): no round trip of its
 *   own before the look, and a replay over the API is this one statement. The record is read
 *   only under the caller's scope and everything else is gated on the caller row: an unknown key
 *   reads nothing, writes nothing, and comes back as `caller: null` (401).
 * Nothing is locked or claimed here: the claim statement decides, and anything the snapshot could
 * not see (a record committed a moment later) sends the claim to its fallback, never to "not found".
 */

const lineRow = z.object({
  productId: z.string(),
  slug: z.string(),
  name: z.string(),
  unitPriceCents: z.number().int(),
  currency: z.string(),
  quantity: z.number().int(),
});
export type PricedLine = z.infer<typeof lineRow>;

const recordRow = z.object({
  /** What the record answers by itself, decided (and its timeline step written) by the statement; null: the transactional claim decides. */
  outcome: z.enum(["replayed", "mismatch", "in_flight"]).nullable(),
  /** How long the holder's lock has left, by the database's clock (null: unlocked). */
  lockRemainingMs: z.number().nullable(),
  recoveryPoint: z.string(),
  fingerprint: z.string(),
  orderId: z.string().nullable(),
  responseStatus: z.number().int().nullable(),
  responseText: z.string().nullable(),
  responseBody: z.unknown(),
});
export type LookedUpRecord = z.infer<typeof recordRow>;

const lookRow = z.object({
  /** Who is calling, as the statement resolved it; null: an unknown API key (nothing was read or written). */
  caller: callerRow.nullable(),
  record: recordRow.nullable(),
  cartVersion: z.number().int().nullable(),
  lines: z.array(lineRow),
});
export type Look = z.infer<typeof lookRow>;

/** Where a request's lines come from: a cart (as it is now), or the items an API client asked for. */
export type LinesSource = { kind: "cart"; cartId: string } | { kind: "items"; items: { slug: string; quantity: number }[] };

/**
 * A request's lines priced from the database, as a query for a CTE: a cart's as its items are
 * now (in the statement's snapshot), the API's as asked for (a slug not found is missing here).
 * `when` gates the read: false reads nothing.
 */
export function pricedLinesQuery(source: LinesSource, when: Prisma.Sql): Prisma.Sql {
  return source.kind === "cart"
    ? Prisma.sql`SELECT p.id AS "productId", p.slug, p.name, p."priceCents" AS "unitPriceCents", p.currency, i.quantity
        FROM "CartItem" i JOIN "Product" p ON p.id = i."productId"
        WHERE i."cartId" = ${source.cartId} AND ${when}`
    : Prisma.sql`SELECT p.id AS "productId", p.slug, p.name, p."priceCents" AS "unitPriceCents", p.currency, w.quantity
        FROM jsonb_to_recordset(${JSON.stringify(normaliseItems(source.items))}::jsonb) AS w(slug text, quantity int)
        JOIN "Product" p ON p.slug = w.slug
        WHERE ${when}`;
}

/** What the look needs of a request: who calls, its key, and where its lines come from. */
export type LookRequest = { caller: Caller; key: string; source: LinesSource };

/**
 * `withLines: false` leaves the cart's lines to the caller (the torn_cart_read switch reads them
 * in two statements on purpose). `unscoped` (the scoped_keys test switch off) reads the record
 * under the one scope "unscoped", for every caller; still only for a caller that exists.
 */
export async function lookUp(db: Db, request: LookRequest, key: Omit<ClaimInput, "scope">, options: { withLines: boolean; lockTimeoutMs: number; unscoped: boolean }): Promise<Look> {
  const { source } = request;
  const recordScope = options.unscoped ? Prisma.sql`${"unscoped"}::text` : Prisma.sql`(SELECT scope FROM caller)`;
  // Lines only for a request that will need them: not for one the record answers, nor for no caller.
  const lines = pricedLinesQuery(source, Prisma.sql`EXISTS (SELECT 1 FROM caller) AND NOT EXISTS (SELECT 1 FROM found) AND ${options.withLines}`);
  const [row] = await sql.query(db, Prisma.sql`
    -- Who is calling: the API client of this key (none for an unknown key), or the cart's scope.
    -- In this statement so that the key check and the record read are one round trip.
    WITH caller AS (${callerQuery(request.caller)}),
    -- The key's record, under the caller's scope only. The EXISTS keeps an unknown key (zero
    -- caller rows) from reading any record even when the scope is not the caller's ("unscoped").
    found AS (
      SELECT "recoveryPoint", fingerprint, "orderId", "responseStatus", "responseText", "responseBody",
             (${options.lockTimeoutMs}::float8 - extract(epoch FROM ${dbNow} - "lockedAt") * 1000)::float8 AS "lockRemainingMs"
      FROM "IdempotencyRecord" WHERE scope = ${recordScope} AND key = ${key.key} AND EXISTS (SELECT 1 FROM caller)
    ),
    -- What a duplicate is answered without a transaction: the stored answer of a finished request;
    -- 422 for another request under the key; 409 while the holder's lock is live (the waiting
    -- server action asks again with this one statement). An unlocked or stale record (a crash, an
    -- unknown outcome) is the transactional claim's to take over.
    record AS (
      SELECT f.*, CASE
        WHEN f.fingerprint <> ${key.fingerprint} THEN 'mismatch'
        WHEN f."recoveryPoint" = ${RecoveryPoint.finished} AND f."responseStatus" IS NOT NULL THEN 'replayed'
        WHEN f."recoveryPoint" <> ${RecoveryPoint.finished} AND f."lockRemainingMs" > 0 THEN 'in_flight'
      END AS outcome
      FROM found f
    ),
    -- Its step on the timeline, written by this same statement, in the caller's scope (the join
    -- on caller writes nothing without one).
    answer_step AS (
      INSERT INTO "AuditEvent" (at, scope, "orderId", kind, detail)
      SELECT ${dbNow}, c.scope, r."orderId", 'claim',
        jsonb_build_object('outcome', r.outcome, 'key', ${request.key}::text)
          || CASE WHEN r.outcome = 'replayed' THEN jsonb_build_object('status', r."responseStatus") ELSE '{}'::jsonb END
      FROM record r, caller c WHERE r.outcome IS NOT NULL
    ),
    lines AS (${lines})
    SELECT (SELECT to_jsonb(c) FROM caller c) AS caller,
           (SELECT to_jsonb(r) FROM record r) AS record,
           (SELECT version FROM "Cart" WHERE id = ${source.kind === "cart" ? source.cartId : null} AND EXISTS (SELECT 1 FROM caller)) AS "cartVersion",
           COALESCE((SELECT jsonb_agg(to_jsonb(l) ORDER BY l.slug) FROM lines l), '[]'::jsonb) AS lines`);
  return lookRow.parse(row);
}
