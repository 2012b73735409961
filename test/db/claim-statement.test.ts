import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cartScope } from "@/lib/checkout/request.ts";
import { claimOrder, type NewOrder } from "@/lib/checkout/statements/claim-order.ts";
import { settleAndFinish, settleOrder } from "@/lib/checkout/settle.ts";
import { db } from "@/lib/db.ts";
import { createCart } from "../setup/fixtures.ts";

/*
 * The hot path's claim is ONE statement (lib/checkout/statements/claim-order.ts): the record
 * inserted ON CONFLICT DO NOTHING, the order inserted FROM it without ON CONFLICT. Every conflict
 * combination, alone and concurrently: the key taken, the cart version taken (another tab's key),
 * both, neither. What must hold in each: exactly one claim wins, and nothing is ever committed
 * half (a record without its order, or an order without its record). On PostgreSQL the
 * concurrent cases are real races; on the embedded database they run one at a time.
 */

const TTL = 3_600_000;

async function cartOrder(): Promise<{ cart: { id: string; version: number }; order: (key: string) => NewOrder }> {
  const cart = await createCart({ "stoneware-mug": 1 });
  const product = await db.product.findUniqueOrThrow({ where: { slug: "stoneware-mug" } });
  const line = { productId: product.id, slug: product.slug, name: product.name, unitPriceCents: product.priceCents, currency: product.currency, quantity: 1 };
  return {
    cart,
    order: (key) => ({ scope: cartScope(cart.id), key, paymentMethod: "pm_card_visa", cartId: cart.id, cartVersion: cart.version, apiClientId: null, totalCents: line.unitPriceCents, currency: line.currency, lines: [line] }),
  };
}

const claimKey = (order: NewOrder, fingerprint = "f") => claimOrder(db, { scope: order.scope, key: order.key, fingerprint }, order, TTL, () => []);

/** Every record of the scope points at an order that exists, and every order has a record under its key (none was purged here). */
async function nothingHalfCommitted(scope: string): Promise<{ records: number; orders: number }> {
  const records = await db.idempotencyRecord.findMany({ where: { scope } });
  const orders = await db.order.findMany({ where: { scope }, include: { items: true } });
  for (const record of records) expect(orders.map((order) => order.id)).toContain(record.orderId);
  for (const order of orders) {
    expect(records.map((record) => record.key)).toContain(order.idempotencyKey);
    expect(order.items).toHaveLength(1);
  }
  return { records: records.length, orders: orders.length };
}

describe("the claim statement, every conflict combination", () => {
  it("neither taken: the record (at ORDER_CREATED, locked) and its order with its lines commit together", async () => {
    const { cart, order } = await cartOrder();
    const claimed = await claimKey(order("k1"));
    expect(claimed).not.toBeNull();
    const record = await db.idempotencyRecord.findFirstOrThrow({ where: { scope: cartScope(cart.id) } });
    expect(record).toMatchObject({ recoveryPoint: "order_created", orderId: claimed!.orderId, lockToken: claimed!.token });
    expect(await nothingHalfCommitted(cartScope(cart.id))).toEqual({ records: 1, orders: 1 });
  });

  it("the key taken: nothing is inserted, and the caller is told to look again (null), never 'not found'", async () => {
    const { cart, order } = await cartOrder();
    expect(await claimKey(order("k1"))).not.toBeNull();
    expect(await claimKey(order("k1"))).toBeNull();
    expect(await nothingHalfCommitted(cartScope(cart.id))).toEqual({ records: 1, orders: 1 });
  });

  it("the cart version taken under another key: the unique violation aborts the whole statement, so the second key's record is not committed either", async () => {
    const { cart, order } = await cartOrder();
    expect(await claimKey(order("tab-1"))).not.toBeNull();
    expect(await claimKey(order("tab-2"))).toBeNull();
    expect(await db.idempotencyRecord.count({ where: { scope: cartScope(cart.id), key: "tab-2" } })).toBe(0);
    expect(await nothingHalfCommitted(cartScope(cart.id))).toEqual({ records: 1, orders: 1 });
  });

  it("both taken: nothing inserted", async () => {
    const { cart, order } = await cartOrder();
    expect(await claimKey(order("k1"))).not.toBeNull();
    expect(await claimKey(order("k1"), "another-fingerprint")).toBeNull();
    expect(await nothingHalfCommitted(cartScope(cart.id))).toEqual({ records: 1, orders: 1 });
  });

  it("an order whose record was purged: the key's order exists, so a new claim commits nothing (the transactional claim finds that order)", async () => {
    const { cart, order } = await cartOrder();
    const first = await claimKey(order("k1"));
    await db.idempotencyRecord.deleteMany({ where: { scope: cartScope(cart.id) } });
    expect(await claimKey(order("k1"))).toBeNull();
    expect(await db.idempotencyRecord.count({ where: { scope: cartScope(cart.id) } })).toBe(0);
    expect(await db.order.count({ where: { scope: cartScope(cart.id) } })).toBe(1);
    expect(first).not.toBeNull();
  });

  it("concurrently: 20 claims of one key, 20 keys for one cart version, and both mixed — exactly one wins each time and nothing is half-committed", async () => {
    for (const keys of [Array(20).fill("same"), Array.from({ length: 20 }, (_, i) => `tab-${i}`), Array.from({ length: 20 }, (_, i) => `mixed-${i % 3}`)]) {
      const { cart, order } = await cartOrder();
      const outcomes = await Promise.all(keys.map((key) => claimKey(order(key))));
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect(await nothingHalfCommitted(cartScope(cart.id))).toEqual({ records: 1, orders: 1 });
    }
  });

  it("concurrently, distinct keys and distinct carts: every claim wins", async () => {
    const claims = await Promise.all(Array.from({ length: 10 }, async () => {
      const { order } = await cartOrder();
      return claimKey(order(randomUUID()));
    }));
    expect(claims.every(Boolean)).toBe(true);
  });
});

describe("the settle statement stores the prepared answer only for the state it describes", () => {
  it("a webhook that made the order paid first: the checkout's 'processing' answer is not stored; the 'paid' one is", async () => {
    const { order } = await cartOrder();
    const input = order(randomUUID());
    const claimed = (await claimKey(input))!;
    const settled = { id: claimed.orderId, scope: input.scope, totalCents: input.totalCents, currency: input.currency, cartId: input.cartId, cartVersion: input.cartVersion };
    // The webhook got there first (its own statement): the order is paid under this PaymentIntent.
    await settleOrder(db, settled, { to: "paid", payment: { paymentIntentId: `pi_${claimed.orderId}`, amountCents: input.totalCents, currency: input.currency } }, "webhook");
    const answerFor = (status: "processing" | "paid") => ({
      recordId: claimed.recordId,
      token: claimed.token,
      expected: { status, paymentIntentId: `pi_${claimed.orderId}`, failureCode: null, declineCode: null, failureMessage: null },
      status: 201,
      bodyText: JSON.stringify({ status }),
      steps: [],
    });
    const payment = { paymentIntentId: `pi_${claimed.orderId}`, amountCents: input.totalCents, currency: input.currency };

    const stale = await settleAndFinish(db, settled, { to: "processing", payment }, "checkout", [], answerFor("processing"));
    expect(stale).toMatchObject({ moved: false, finished: false, status: "paid" });
    expect(await db.idempotencyRecord.findUniqueOrThrow({ where: { id: claimed.recordId } })).toMatchObject({ recoveryPoint: "order_created", responseText: null });

    const matching = await settleAndFinish(db, settled, { to: "paid", payment }, "checkout", [], answerFor("paid"));
    expect(matching).toMatchObject({ moved: false, finished: true, status: "paid" });
    expect(await db.idempotencyRecord.findUniqueOrThrow({ where: { id: claimed.recordId } })).toMatchObject({ recoveryPoint: "finished", responseText: JSON.stringify({ status: "paid" }) });
  });
});
