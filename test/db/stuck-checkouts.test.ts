import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { checkout } from "@/lib/checkout/checkout.ts";
import { cartScope } from "@/lib/checkout/request.ts";
import { completeStuckCheckouts } from "@/lib/completer.ts";
import { db } from "@/lib/db.ts";
import { purgeExpired, RecoveryPoint } from "@/lib/idempotency.ts";
import { armPausePoint, pausePointState } from "@/lib/test-hooks.ts";
import { createCart, fromCart, scopeCounts } from "../setup/fixtures.ts";
import { delayAllAnswers, paymentIntentsForCart, statsForCart } from "../setup/payments.ts";

vi.hoisted(() => {
  process.env.ENABLE_TEST_ENDPOINTS = "1"; // pause points
});

const IDLE_MS = 30 * 60_000;

/** This test's checkout went idle long ago; every other test's is fresh, so the completer (idle > 30 min) takes this one only. */
const backdate = (scope: string) =>
  db.$executeRaw`UPDATE "Order" SET "attemptStartedAt" = "attemptStartedAt" - interval '1 hour' WHERE scope = ${scope}`;

/** A checkout Stripe charged while every answer came too late: outcome unknown, record released at ORDER_CREATED. */
async function chargedWithUnknownOutcome() {
  const cart = await createCart();
  const key = randomUUID();
  await delayAllAnswers(cart.id);
  const result = await checkout(fromCart(cart, key));
  expect(result.status).toBe(503);
  return { cart, scope: cartScope(cart.id), orderId: result.body.order!.id };
}

describe("stuck checkouts: the purge spares them, the completer finds them from the orders", () => {
  it("keeps a record that expires while its checkout is talking to Stripe: the charge is recorded, the order paid", async () => {
    const cart = await createCart();
    const scope = cartScope(cart.id);
    armPausePoint("after_payment", { ms: 4000, scope });
    const inFlight = checkout(fromCart(cart, randomUUID())).catch((error: unknown) => error);
    await vi.waitFor(() => expect(pausePointState().waiting.some((held) => held.scope === scope)).toBe(true), { timeout: 15_000, interval: 50 });

    // Stripe has charged; the record's TTL runs out now and the purge runs.
    await db.$executeRaw`UPDATE "IdempotencyRecord" SET "expiresAt" = "expiresAt" - interval '2 days' WHERE scope = ${scope}`;
    await purgeExpired(db, new Date());
    expect(pausePointState().waiting.some((held) => held.scope === scope)).toBe(true); // still in flight

    expect(await inFlight).toMatchObject({ status: 201, body: { order: { status: "paid" } } });
    expect(await scopeCounts(scope)).toMatchObject({ orders: 1, records: 1, payments: 1 });
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 1, charges: 1 });
    // Finished now, it is the purge's again.
    await purgeExpired(db, new Date());
    expect(await scopeCounts(scope)).toMatchObject({ records: 0 });
  });

  it("finds a pending order whose record is gone and settles it from Stripe's answer, without a second charge", async () => {
    const { cart, scope, orderId } = await chargedWithUnknownOutcome();
    // As an earlier version's purge left it: the order pending, the charge made, no record.
    await db.idempotencyRecord.deleteMany({ where: { scope } });
    await backdate(scope);

    await completeStuckCheckouts({ olderThanMs: IDLE_MS });
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "paid" });
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 1, charges: 1 });
  });

  it("asks Stripe about a processing order whose webhook never came, and settles it", async () => {
    const cart = await createCart();
    const scope = cartScope(cart.id);
    const placed = await checkout(fromCart(cart, randomUUID(), "pm_test_delayed_success"));
    expect(placed.body.order?.status).toBe("processing");
    expect(await db.idempotencyRecord.findFirstOrThrow({ where: { scope } })).toMatchObject({ recoveryPoint: RecoveryPoint.finished });
    // The bank debit settles at the payments server; its webhook is lost (none is configured here).
    await vi.waitFor(async () => expect((await paymentIntentsForCart(cart.id))[0]?.status).toBe("succeeded"), { timeout: 10_000, interval: 100 });
    await backdate(scope);

    await completeStuckCheckouts({ olderThanMs: IDLE_MS });
    expect(await db.order.findUniqueOrThrow({ where: { id: placed.body.order!.id } })).toMatchObject({ status: "paid" });
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 1, charges: 1 });
  });

  it("leaves an order alone while another instance holds its attempt lock", async () => {
    const { scope, orderId } = await chargedWithUnknownOutcome();
    await db.idempotencyRecord.deleteMany({ where: { scope } });
    await backdate(scope);
    await db.$executeRaw`UPDATE "Order" SET "attemptLockedAt" = now() AT TIME ZONE 'UTC', "attemptLockToken" = 'another-instance' WHERE id = ${orderId}`;

    await completeStuckCheckouts({ olderThanMs: IDLE_MS });
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "pending", attemptLockToken: "another-instance" });
  });
});
