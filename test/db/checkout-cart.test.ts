import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkout } from "@/lib/checkout/checkout.ts";
import { cartScope } from "@/lib/checkout/request.ts";
import { db } from "@/lib/db.ts";
import { createCart, fromCart } from "../setup/fixtures.ts";
import { statsForCart } from "../setup/payments.ts";

describe("checkout from a cart session (the server action's path)", () => {
  it("turns 20 concurrent submissions with one key into one order, one charge, and shows it to all 20", async () => {
    const cart = await createCart();
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 20 }, () => checkout(fromCart(cart, key), { waitForInFlight: true })));
    const orders = await db.order.findMany({ where: { cartId: cart.id } });
    expect(orders).toHaveLength(1);
    for (const result of results) {
      expect(result.status).toBe(201);
      expect(result.body.order?.id).toBe(orders[0]!.id);
    }
    expect(orders[0]!.status).toBe("paid");
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 1, charges: 1 });
  });

  it("makes one order for two tabs that each minted a key for the same cart version", async () => {
    const cart = await createCart();
    const [tabA, tabB] = [randomUUID(), randomUUID()];
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => checkout(fromCart(cart, i % 2 ? tabA : tabB), { waitForInFlight: true })));
    expect(await db.order.count({ where: { cartId: cart.id } })).toBe(1);
    expect(new Set(results.map((result) => result.body.order?.id)).size).toBe(1);
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 1, charges: 1 });
  });

  it("empties the cart and moves it to a new version once the order is paid", async () => {
    const cart = await createCart();
    await checkout(fromCart(cart, randomUUID()));
    const after = await db.cart.findUniqueOrThrow({ where: { id: cart.id }, include: { items: true } });
    expect(after.items).toHaveLength(0);
    expect(after.version).toBe(cart.version + 1);
  });

  it("refuses a checkout of a cart version that is no longer current, writing nothing", async () => {
    const cart = await createCart();
    const result = await checkout(fromCart({ id: cart.id, version: cart.version - 1 }, randomUUID()));
    expect(result.status).toBe(409);
    expect(result.body.error?.code).toBe("cart_changed");
    expect(await db.idempotencyRecord.count({ where: { scope: cartScope(cart.id) } })).toBe(0);
    expect(await db.order.count({ where: { cartId: cart.id } })).toBe(0);
  });

  it("keeps the cart after a decline, under a new version, so another card makes a new order and one charge", async () => {
    const cart = await createCart();
    const declined = await checkout(fromCart(cart, randomUUID(), "pm_card_chargeDeclined"));
    expect(declined.status).toBe(402);
    expect(declined.body.order?.status).toBe("failed");
    const next = await db.cart.findUniqueOrThrow({ where: { id: cart.id }, include: { items: true } });
    expect(next.items).toHaveLength(2);
    expect(next.version).toBe(cart.version + 1);

    const paid = await checkout(fromCart(next, randomUUID(), "pm_card_visa"));
    expect(paid.status).toBe(201);
    expect(paid.body.order?.status).toBe("paid");
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 2, charges: 1 });
  });

  it("does not let another cart session replay or see an order by reusing its key", async () => {
    const [mine, theirs] = [await createCart(), await createCart({ "walnut-tray": 1 })];
    const key = randomUUID();
    const first = await checkout(fromCart(mine, key));
    const second = await checkout(fromCart(theirs, key));
    expect(second.replayed).toBe(false);
    expect(second.body.order?.id).not.toBe(first.body.order?.id);
    expect(second.body.order?.totalCents).toBe(5600);
  });
});
