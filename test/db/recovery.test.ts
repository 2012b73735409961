import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { checkout } from "@/lib/checkout/checkout.ts";
import { cartScope } from "@/lib/checkout/request.ts";
import { completeStuckCheckouts } from "@/lib/completer.ts";
import { db } from "@/lib/db.ts";
import { RecoveryPoint } from "@/lib/idempotency.ts";
import { createCart, fromCart } from "../setup/fixtures.ts";
import { addFault, delayAllAnswers, statsForCart } from "../setup/payments.ts";

const recordOf = (cartId: string, key: string) => db.idempotencyRecord.findUniqueOrThrow({ where: { scope_key: { scope: cartScope(cartId), key } } });

/** A checkout whose charge happened at Stripe while every answer came too late: outcome unknown. */
async function checkoutWithUnknownOutcome() {
  const cart = await createCart();
  const key = randomUUID();
  await delayAllAnswers(cart.id);
  const result = await checkout(fromCart(cart, key));
  return { cart, key, result };
}

/** As if the process that charged died holding the lock, before it recorded the payment. */
async function lockAsIfCrashed(cartId: string, key: string, lockedAt = new Date()) {
  const record = await recordOf(cartId, key);
  await db.idempotencyRecord.update({ where: { id: record.id }, data: { lockedAt } });
}

describe("recovery from a failure between two recovery points", () => {
  it("tells the shopper the outcome is unknown when Stripe charged but never answered, and a retry finds that charge", async () => {
    const { cart, key, result: first } = await checkoutWithUnknownOutcome();
    expect(first.status).toBe(503);
    expect(first.body.error?.message).toMatch(/unknown.*safe/);
    expect(await recordOf(cart.id, key)).toMatchObject({ recoveryPoint: RecoveryPoint.orderCreated, lockedAt: null });

    const retry = await checkout(fromCart(cart, key));
    expect(retry.status).toBe(201);
    expect(retry.body.order).toMatchObject({ id: first.body.order!.id, status: "paid" });
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 1, charges: 1 });
  });

  it("charges once when Stripe was unreachable before executing, then a retry gets through", async () => {
    const cart = await createCart();
    const key = randomUUID();
    await addFault({ metadata: { cartId: cart.id } }, { kind: "unavailable_before" }, 3);
    expect((await checkout(fromCart(cart, key))).status).toBe(503);
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 0, charges: 0 });
    expect((await checkout(fromCart(cart, key))).status).toBe(201);
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 1, charges: 1 });
  });

  it("answers 409 while a crashed process's lock is fresh, then takes the checkout over and finds the charge", async () => {
    const { cart, key } = await checkoutWithUnknownOutcome();
    await lockAsIfCrashed(cart.id, key);

    const blocked = await checkout(fromCart(cart, key));
    expect(blocked.status).toBe(409);
    expect(blocked.body.error?.code).toBe("idempotency_key_in_use");

    await lockAsIfCrashed(cart.id, key, new Date(Date.now() - 60_000));
    const resumed = await checkout(fromCart(cart, key));
    expect(resumed.status).toBe(201);
    expect(resumed.body.order?.status).toBe("paid");
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 1, charges: 1 });
  });

  it("makes the server action wait out a dead process's lock and then finish the checkout itself", async () => {
    const { cart, key } = await checkoutWithUnknownOutcome();
    await lockAsIfCrashed(cart.id, key);

    const waited = await checkout(fromCart(cart, key), { waitForInFlight: true });
    expect(waited.status).toBe(201);
    expect(waited.body.order?.status).toBe("paid");
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 1, charges: 1 });
  });

  it("lets the completer settle a checkout the shopper abandoned after an unknown outcome", async () => {
    const { cart, key, result: abandoned } = await checkoutWithUnknownOutcome();
    expect(abandoned.status).toBe(503);

    // The completer takes the oldest stuck records first, across the whole database: other test
    // files' records may fill a batch ahead of this one, so it runs until it has reached this one.
    let completed = 0;
    await vi.waitFor(
      async () => {
        completed += await completeStuckCheckouts({ olderThanMs: 0 });
        expect(await recordOf(cart.id, key)).toMatchObject({ recoveryPoint: RecoveryPoint.finished, responseStatus: 201 });
      },
      { timeout: 30_000, interval: 100 },
    );
    expect(completed).toBeGreaterThanOrEqual(1);
    expect(await db.order.findUniqueOrThrow({ where: { id: abandoned.body.order!.id } })).toMatchObject({ status: "paid" });
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 1, charges: 1 });

    const late = await checkout(fromCart(cart, key));
    expect(late).toMatchObject({ status: 201, replayed: true });
  });

  it("leaves a checkout alone while its lock is fresh, even for the completer", async () => {
    const { cart, key } = await checkoutWithUnknownOutcome();
    await lockAsIfCrashed(cart.id, key);
    await completeStuckCheckouts({ olderThanMs: 0 });
    expect(await recordOf(cart.id, key)).toMatchObject({ recoveryPoint: RecoveryPoint.orderCreated });
  });
});
