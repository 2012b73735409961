import { z } from "zod";
import type { Tx } from "@/lib/db.ts";
import { randomUUID } from "node:crypto";
import { dbAgo, dbLater, dbNow } from "@/lib/db-clock.ts";
import type { IdempotencyRecord, Prisma } from "@/lib/generated/prisma/client.ts";
import { sha256 } from "@/lib/hash.ts";

/**
 * The last step of a request that committed. A retry, or the completer, resumes from here.
 * `started` never outlives its transaction: the claim and the order commit together.
 */
export const RecoveryPoint = {
  started: "started",
  orderCreated: "order_created",
  finished: "finished",
} as const;
export type RecoveryPoint = (typeof RecoveryPoint)[keyof typeof RecoveryPoint];

/** 1–255 printable ASCII characters, as Stripe and the IETF Idempotency-Key draft allow; a UUID fits. */
export const idempotencyKeySchema = z
  .string({ error: "An idempotency key is required" })
  .min(1, "The idempotency key is empty")
  .max(255, "The idempotency key is longer than 255 characters")
  .regex(/^[\x21-\x7e]+$/, "The idempotency key must be printable ASCII without spaces");

/**
 * An answer stored with its key. `bodyText` is the exact JSON the first answer sent: a replay
 * sends these bytes again, as Stripe's replays do (jsonb would reorder the keys). To store, it
 * may be left out: it is then `JSON.stringify(body)`.
 */
export type StoredResponse = { status: number; body: Prisma.InputJsonValue; bodyText: string };
export type ResponseToStore = Omit<StoredResponse, "bodyText"> & { bodyText?: string };

/**
 * The one attempt that holds a record's lock: its token, new at every claim or takeover. Every
 * write of a holder (advance, complete, release) is a compare-and-set on it, so an attempt that
 * was taken over (it was slow, not dead) changes nothing of its taker's.
 */
export type Lease = { recordId: string; token: string };
export type ClaimedRecord = Pick<IdempotencyRecord, "id" | "recoveryPoint" | "orderId"> & { token: string };

export type Claim =
  | { kind: "acquired"; record: ClaimedRecord }
  | { kind: "replay"; response: StoredResponse; orderId: string | null }
  | { kind: "mismatch"; orderId: string | null }
  | { kind: "in_flight"; retryAfterSeconds: number; orderId: string | null };

export type ClaimInput = { scope: string; key: string; fingerprint: string };
/** Lock and record ages are measured by the database's clock, never an instance's: instances whose clocks differ agree. */
export type ClaimPolicy = { lockTimeoutMs: number; ttlMs: number };

/** A stable hash of a request's meaning: keys sorted, so property order never matters. */
export function fingerprint(request: unknown): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === "object"
        ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]))
        : value;
  return sha256(JSON.stringify(canonical(request)));
}

/**
 * What a duplicate gets from an existing record without claiming it: 422 if it carries another
 * request, the stored answer if the first request finished; null while it is still unfinished.
 */
function answerFrom(existing: StoredRecord, fingerprint: string): Extract<Claim, { kind: "replay" | "mismatch" }> | null {
  const { orderId } = existing;
  if (existing.fingerprint !== fingerprint) return { kind: "mismatch", orderId };
  if (existing.recoveryPoint !== RecoveryPoint.finished || existing.responseStatus === null) return null;
  return { kind: "replay", response: storedResponse(existing.responseStatus, existing), orderId };
}

type StoredRecord = Pick<IdempotencyRecord, "fingerprint" | "recoveryPoint" | "orderId" | "responseStatus" | "responseText"> & { responseBody: unknown };

export function storedResponse(status: number, record: Pick<StoredRecord, "responseText" | "responseBody">): StoredResponse {
  if (record.responseText !== null) return { status, body: JSON.parse(record.responseText) as Prisma.InputJsonValue, bodyText: record.responseText };
  // Stored as jsonb before responseText existed: the same JSON, keys in jsonb's order, until it expires.
  return { status, body: record.responseBody as Prisma.InputJsonValue, bodyText: JSON.stringify(record.responseBody) };
}

/**
 * Claims (scope, key) inside the caller's transaction. The insert is atomic under the unique
 * index: of any number of concurrent claims exactly one inserts; the others wait for it to
 * commit and then see its row. Its lock time and expiry come from the database's clock.
 */
export async function claim(tx: Tx, input: ClaimInput, policy: ClaimPolicy): Promise<Claim> {
  const token = randomUUID();
  const inserted = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO "IdempotencyRecord" (id, scope, key, fingerprint, "recoveryPoint", "lockedAt", "lockToken", "expiresAt", "createdAt", "updatedAt")
    VALUES (${randomUUID()}, ${input.scope}, ${input.key}, ${input.fingerprint}, ${RecoveryPoint.started}, ${dbNow}, ${token},
            ${dbLater(policy.ttlMs)}, ${dbNow}, ${dbNow})
    ON CONFLICT (scope, key) DO NOTHING
    RETURNING id`;
  if (inserted[0]) return { kind: "acquired", record: { id: inserted[0].id, recoveryPoint: RecoveryPoint.started, orderId: null, token } };

  const existing = await tx.idempotencyRecord.findUniqueOrThrow({ where: { scope_key: { scope: input.scope, key: input.key } } });
  const answer = answerFrom(existing, input.fingerprint);
  if (answer) return answer;
  const { orderId } = existing;
  // Unlocked (a previous attempt ended with an unknown outcome) or stale (its process died).
  const attempt = await takeOverOrWait(tx, existing.id, policy.lockTimeoutMs);
  if ("token" in attempt) return { kind: "acquired", record: { id: existing.id, recoveryPoint: existing.recoveryPoint, orderId, token: attempt.token } };
  return { kind: "in_flight", retryAfterSeconds: attempt.retryAfterSeconds, orderId };
}

/**
 * Locks an unfinished record that nobody holds (unlocked, or locked longer ago than the lock
 * timeout by the database's clock) under a new token. Under READ COMMITTED a second contender's
 * UPDATE waits for the first and then re-checks the condition on the row it committed: exactly
 * one wins.
 */
export async function takeOver(tx: Tx, recordId: string, lockTimeoutMs: number): Promise<Lease | null> {
  const token = randomUUID();
  const rows = await tx.$queryRaw<{ id: string }[]>`
    UPDATE "IdempotencyRecord" SET "lockedAt" = ${dbNow}, "lockToken" = ${token}, "updatedAt" = ${dbNow}
    WHERE id = ${recordId} AND "recoveryPoint" <> ${RecoveryPoint.finished}
      AND ("lockedAt" IS NULL OR "lockedAt" <= ${dbAgo(lockTimeoutMs)})
    RETURNING id`;
  return rows.length === 1 ? { recordId, token } : null;
}

/**
 * takeOver, or how long until the holder's lock goes stale, in one round trip (a waiting
 * duplicate asks every 150 ms). The outer SELECT sees the row as it was before the UPDATE.
 */
async function takeOverOrWait(tx: Tx, recordId: string, lockTimeoutMs: number): Promise<{ token: string } | { retryAfterSeconds: number }> {
  const token = randomUUID();
  const [row] = await tx.$queryRaw<{ taken: boolean; ms: number | null }[]>`
    WITH taken AS (
      UPDATE "IdempotencyRecord" SET "lockedAt" = ${dbNow}, "lockToken" = ${token}, "updatedAt" = ${dbNow}
      WHERE id = ${recordId} AND "recoveryPoint" <> ${RecoveryPoint.finished}
        AND ("lockedAt" IS NULL OR "lockedAt" <= ${dbAgo(lockTimeoutMs)})
      RETURNING id)
    SELECT EXISTS (SELECT 1 FROM taken) AS taken,
           (${lockTimeoutMs}::float8 - extract(epoch FROM ${dbNow} - "lockedAt") * 1000)::float8 AS ms
    FROM "IdempotencyRecord" WHERE id = ${recordId}`;
  if (row?.taken) return { token };
  return { retryAfterSeconds: Math.max(1, Math.ceil((row?.ms ?? 0) / 1000)) };
}

/** Moves the holder's record to its next recovery point; false when the lease is no longer the holder's. */
export async function advance(tx: Tx, lease: Lease, point: RecoveryPoint, orderId: string): Promise<boolean> {
  const count = await tx.$executeRaw`
    UPDATE "IdempotencyRecord" SET "recoveryPoint" = ${point}, "orderId" = ${orderId}, "updatedAt" = ${dbNow}
    WHERE id = ${lease.recordId} AND "lockToken" = ${lease.token}`;
  return count === 1;
}

/**
 * Stores the response that every later retry replays, and releases the lock — if the lease is
 * still the holder's: an attempt that was taken over leaves the record to its taker, which
 * finishes it with the same answer (the order's state). A finished record's updatedAt is never
 * compared, so Prisma may set it.
 */
export async function complete(tx: Tx, lease: Lease, response: ResponseToStore): Promise<boolean> {
  const { count } = await tx.idempotencyRecord.updateMany({
    where: { id: lease.recordId, lockToken: lease.token },
    data: { recoveryPoint: RecoveryPoint.finished, responseStatus: response.status, responseText: response.bodyText ?? JSON.stringify(response.body), lockedAt: null, lockToken: null },
  });
  return count === 1;
}

/** Gives the key back without an answer (the outcome is unknown), so a retry resumes at once; only the holder can. */
export async function release(tx: Tx, lease: Lease): Promise<boolean> {
  const count = await tx.$executeRaw`
    UPDATE "IdempotencyRecord" SET "lockedAt" = NULL, "lockToken" = NULL, "updatedAt" = ${dbNow}
    WHERE id = ${lease.recordId} AND "lockToken" = ${lease.token}`;
  return count === 1;
}

/**
 * Deletes expired records that finished, a bounded batch at a time. An unfinished one (a
 * checkout still talking to Stripe, or stuck at ORDER_CREATED) is kept whatever its age: it is
 * the completer's to finish first, and then the purge's. Orders keep their own unique key.
 */
export async function purgeExpired(tx: Tx, now: Date, batchSize = 1000): Promise<number> {
  // Ordered by the indexed column: without it Prisma orders by id, and PostgreSQL may scan the whole primary key.
  const expired = await tx.idempotencyRecord.findMany({
    where: { expiresAt: { lt: now }, recoveryPoint: RecoveryPoint.finished },
    orderBy: { expiresAt: "asc" },
    select: { id: true },
    take: batchSize,
  });
  if (expired.length === 0) return 0;
  // Finished records are never unfinished again, so the condition holds at the delete too.
  const { count } = await tx.idempotencyRecord.deleteMany({ where: { id: { in: expired.map((r) => r.id) } } });
  return count;
}
