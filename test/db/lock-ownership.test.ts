import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db.ts";
import { claim, complete, RecoveryPoint, release, type ClaimPolicy } from "@/lib/idempotency.ts";

// `now` is what an instance's own clock says; the fixed code ignores it (the database's clock decides).
const policy = (): ClaimPolicy => ({ now: new Date(), lockTimeoutMs: 60_000, ttlMs: 3_600_000 }) as ClaimPolicy;
const claimInTx = (scope: string) => db.$transaction((tx) => claim(tx, { scope, key: "k", fingerprint: "f1" }, policy()));

async function acquired(scope: string) {
  const outcome = await claimInTx(scope);
  if (outcome.kind !== "acquired") throw new Error(`expected to acquire, got ${outcome.kind}`);
  return outcome.record;
}

/** The holder went quiet for longer than the lock timeout (a slow Stripe call, a GC pause): its lock is stale, not gone. */
const ageLock = (recordId: string) =>
  db.$executeRaw`UPDATE "IdempotencyRecord" SET "recoveryPoint" = ${RecoveryPoint.orderCreated}, "lockedAt" = "lockedAt" - interval '5 minutes' WHERE id = ${recordId}`;

afterEach(() => {
  vi.useRealTimers();
});

describe("lock ownership of an idempotency record", () => {
  it("does not let a slow attempt that was taken over release or complete its taker's lock", async () => {
    const scope = `test:${randomUUID()}`;
    const slow = await acquired(scope);
    await ageLock(slow.id);
    const taker = await acquired(scope);
    expect(taker.id).toBe(slow.id);

    // The slow attempt comes back with an unknown outcome and gives "its" key back.
    await release(db, { recordId: slow.id, token: slow.token });
    // The taker still holds the lock: a third attempt must wait, not take over a live checkout.
    expect((await claimInTx(scope)).kind).toBe("in_flight");
    // Nor can the slow attempt store its answer over the taker's record.
    expect(await complete(db, { recordId: slow.id, token: slow.token }, { status: 201, body: { late: true } })).toBe(false);
    expect(await db.idempotencyRecord.findUniqueOrThrow({ where: { id: slow.id } })).toMatchObject({ recoveryPoint: RecoveryPoint.orderCreated, responseStatus: null });
    expect(await complete(db, { recordId: taker.id, token: taker.token }, { status: 201, body: { ok: true } })).toBe(true);
  });

  it("measures a lock's age by the database's clock, so an instance whose clock is behind does not look dead", async () => {
    const scope = `test:${randomUUID()}`;
    // Instance A's clock is ten minutes behind (the lock timeout is one minute); it claims the key.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() - 10 * 60_000);
    await acquired(scope);
    vi.useRealTimers();

    // Instance B, on time, a moment later: A's lock is fresh and must stay A's.
    expect((await claimInTx(scope)).kind).toBe("in_flight");
  });

  it("lets an instance whose clock is ahead wait for a live lock too", async () => {
    const scope = `test:${randomUUID()}`;
    await acquired(scope);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 10 * 60_000);
    const outcome = await claimInTx(scope);
    vi.useRealTimers();
    expect(outcome.kind).toBe("in_flight");
  });
});
