import { z } from "zod";
import type { Tx } from "@/lib/db.ts";
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

export type Claim =
  | { kind: "acquired"; record: IdempotencyRecord }
  | { kind: "replay"; response: StoredResponse; orderId: string | null }
  | { kind: "mismatch"; orderId: string | null }
  | { kind: "in_flight"; retryAfterSeconds: number; orderId: string | null };

export type ClaimInput = { scope: string; key: string; fingerprint: string };
export type ClaimPolicy = { now: Date; lockTimeoutMs: number; ttlMs: number };

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
function answerFrom(existing: IdempotencyRecord, fingerprint: string): Extract<Claim, { kind: "replay" | "mismatch" }> | null {
  const { orderId } = existing;
  if (existing.fingerprint !== fingerprint) return { kind: "mismatch", orderId };
  if (existing.recoveryPoint !== RecoveryPoint.finished || existing.responseStatus === null) return null;
  return { kind: "replay", response: storedResponse(existing.responseStatus, existing), orderId };
}

function storedResponse(status: number, record: Pick<IdempotencyRecord, "responseText" | "responseBody">): StoredResponse {
  if (record.responseText !== null) return { status, body: JSON.parse(record.responseText) as Prisma.InputJsonValue, bodyText: record.responseText };
  // Stored as jsonb before responseText existed: the same JSON, keys in jsonb's order, until it expires.
  return { status, body: record.responseBody as Prisma.InputJsonValue, bodyText: JSON.stringify(record.responseBody) };
}

/**
 * The answer to a key whose request already finished, read without a transaction or a lock:
 * most duplicates (a retry, a reload, a second tab) arrive after the first request finished, and
 * this one indexed read answers them. Anything else goes on to `claim`.
 */
export async function findFinished(tx: Tx, input: ClaimInput): Promise<Extract<Claim, { kind: "replay" | "mismatch" }> | null> {
  const existing = await tx.idempotencyRecord.findUnique({ where: { scope_key: { scope: input.scope, key: input.key } } });
  return existing?.recoveryPoint === RecoveryPoint.finished ? answerFrom(existing, input.fingerprint) : null;
}

/**
 * Claims (scope, key) inside the caller's transaction. The insert is atomic under the unique
 * index: of any number of concurrent claims exactly one inserts; the others wait for it to
 * commit and then see its row.
 */
export async function claim(tx: Tx, input: ClaimInput, policy: ClaimPolicy): Promise<Claim> {
  const [created] = await tx.idempotencyRecord.createManyAndReturn({
    data: [{ ...input, recoveryPoint: RecoveryPoint.started, lockedAt: policy.now, expiresAt: new Date(policy.now.getTime() + policy.ttlMs) }],
    skipDuplicates: true,
  });
  if (created) return { kind: "acquired", record: created };

  const existing = await tx.idempotencyRecord.findUniqueOrThrow({ where: { scope_key: { scope: input.scope, key: input.key } } });
  const answer = answerFrom(existing, input.fingerprint);
  if (answer) return answer;
  const { orderId } = existing;
  const lockAge = existing.lockedAt ? policy.now.getTime() - existing.lockedAt.getTime() : Infinity;
  if (lockAge < policy.lockTimeoutMs) {
    return { kind: "in_flight", retryAfterSeconds: Math.max(1, Math.ceil((policy.lockTimeoutMs - lockAge) / 1000)), orderId };
  }
  // Unlocked (a previous attempt ended with an unknown outcome) or stale (its process died).
  if (!(await takeOver(tx, existing, policy.now))) return { kind: "in_flight", retryAfterSeconds: 1, orderId };
  return { kind: "acquired", record: { ...existing, lockedAt: policy.now } };
}

/** Locks an unfinished record that nobody holds; the compare-and-set on lockedAt lets exactly one contender win. */
export async function takeOver(tx: Tx, record: Pick<IdempotencyRecord, "id" | "lockedAt">, now: Date): Promise<boolean> {
  const { count } = await tx.idempotencyRecord.updateMany({
    where: { id: record.id, lockedAt: record.lockedAt, recoveryPoint: { not: RecoveryPoint.finished } },
    data: { lockedAt: now },
  });
  return count === 1;
}

export async function advance(tx: Tx, recordId: string, point: RecoveryPoint, orderId: string): Promise<void> {
  await tx.idempotencyRecord.update({ where: { id: recordId }, data: { recoveryPoint: point, orderId } });
}

/** Stores the response that every later retry replays, and releases the lock. */
export async function complete(tx: Tx, recordId: string, response: ResponseToStore): Promise<void> {
  await tx.idempotencyRecord.update({
    where: { id: recordId },
    data: { recoveryPoint: RecoveryPoint.finished, responseStatus: response.status, responseText: response.bodyText ?? JSON.stringify(response.body), lockedAt: null },
  });
}

/** Gives the key back without an answer (the outcome is unknown), so a retry resumes at once. */
export async function release(tx: Tx, recordId: string): Promise<void> {
  await tx.idempotencyRecord.update({ where: { id: recordId }, data: { lockedAt: null } });
}

/** Deletes expired records, a bounded batch at a time. Orders keep their own unique key. */
export async function purgeExpired(tx: Tx, now: Date, batchSize = 1000): Promise<number> {
  // Ordered by the indexed column: without it Prisma orders by id, and PostgreSQL may scan the whole primary key.
  const expired = await tx.idempotencyRecord.findMany({ where: { expiresAt: { lt: now } }, orderBy: { expiresAt: "asc" }, select: { id: true }, take: batchSize });
  if (expired.length === 0) return 0;
  const { count } = await tx.idempotencyRecord.deleteMany({ where: { id: { in: expired.map((r) => r.id) } } });
  return count;
}
