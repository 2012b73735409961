import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db.ts";
import { claim, complete, RecoveryPoint, release } from "@/lib/idempotency.ts";

const policy = () => ({ lockTimeoutMs: 60_000, ttlMs: 3_600_000 });

/** Runs `claim` in its own transaction, as the checkout does. */
const claimInTx = (scope: string, key: string, fingerprint = "f1") =>
  db.$transaction((tx) => claim(tx, { scope, key, fingerprint }, policy()));
const leaseOf = (record: { id: string; token: string }) => ({ recordId: record.id, token: record.token });

describe("claiming an idempotency key in the database", () => {
  it("lets exactly one of 50 concurrent transactions claim a key; the others see it in flight", async () => {
    const scope = `test:${randomUUID()}`;
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => claimInTx(scope, "same-key")));
    expect(outcomes.filter((outcome) => outcome.kind === "acquired")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.kind === "in_flight")).toHaveLength(49);
    expect(await db.idempotencyRecord.count({ where: { scope } })).toBe(1);
  });

  it("keeps an uncommitted claim invisible, and a rolled-back claim leaves nothing behind", async () => {
    const scope = `test:${randomUUID()}`;
    await expect(
      db.$transaction(async (tx) => {
        await claim(tx, { scope, key: "k", fingerprint: "f1" }, policy());
        throw new Error("the order could not be created");
      }),
    ).rejects.toThrow("could not be created");
    expect((await claimInTx(scope, "k")).kind).toBe("acquired");
  });

  it("tells a different request under the same key apart by its fingerprint", async () => {
    const scope = `test:${randomUUID()}`;
    await claimInTx(scope, "k", "f1");
    expect((await claimInTx(scope, "k", "f2")).kind).toBe("mismatch");
  });

  it("replays a finished record's stored response", async () => {
    const scope = `test:${randomUUID()}`;
    const first = await claimInTx(scope, "k");
    if (first.kind !== "acquired") throw new Error("expected to acquire");
    await complete(db, leaseOf(first.record), { status: 201, body: { order: { id: "o1" } } });
    expect(await claimInTx(scope, "k")).toEqual({ kind: "replay", response: { status: 201, body: { order: { id: "o1" } }, bodyText: '{"order":{"id":"o1"}}' }, orderId: null });
  });

  it("lets exactly one of several contenders take over a stale lock", async () => {
    const scope = `test:${randomUUID()}`;
    const first = await claimInTx(scope, "k", "f1");
    if (first.kind !== "acquired") throw new Error("expected to acquire");
    await db.$executeRaw`UPDATE "IdempotencyRecord" SET "recoveryPoint" = ${RecoveryPoint.orderCreated}, "lockedAt" = "lockedAt" - interval '2 minutes' WHERE id = ${first.record.id}`;
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => claimInTx(scope, "k")));
    const winners = outcomes.filter((outcome) => outcome.kind === "acquired");
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ record: { recoveryPoint: RecoveryPoint.orderCreated } });
  });

  it("hands a released key (outcome unknown) to the next attempt at once", async () => {
    const scope = `test:${randomUUID()}`;
    const first = await claimInTx(scope, "k");
    if (first.kind !== "acquired") throw new Error("expected to acquire");
    expect((await claimInTx(scope, "k")).kind).toBe("in_flight");
    await release(db, leaseOf(first.record));
    expect((await claimInTx(scope, "k")).kind).toBe("acquired");
  });
});
