import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectAsBystander, describeOnPostgres, usePrivateDatabase, waitForLockWaiters } from "../setup/postgres.ts";

/**
 * What PostgreSQL's READ COMMITTED allows between two statements of a checkout, arranged on
 * purpose: a bystander connection holds a lock the checkout meets, the test changes what it
 * wants while the checkout waits, then lets go. Each schedule is driven by what the database
 * reports (who waits for a lock), never by sleeping.
 */
describeOnPostgres("a cart and its checkout under concurrent writers (PostgreSQL)", () => {
  let database: { close: () => Promise<void> };
  let app: Awaited<ReturnType<typeof loadApp>>;
  let bystander: pg.Client;
  let watcher: pg.Client;

  async function loadApp() {
    const [{ checkout }, { setCartQuantity }, { db }, fixtures, payments, { metrics }] = await Promise.all([
      import("@/lib/checkout/checkout.ts"),
      import("@/lib/cart.ts"),
      import("@/lib/db.ts"),
      import("../setup/fixtures.ts"),
      import("../setup/payments.ts"),
      import("@/lib/metrics.ts"),
    ]);
    return { checkout, setCartQuantity, db, ...fixtures, ...payments, metrics };
  }

  beforeAll(async () => {
    database = await usePrivateDatabase();
    app = await loadApp();
    [bystander, watcher] = [await connectAsBystander(), await connectAsBystander()];
  });
  afterAll(async () => {
    await bystander?.end();
    await watcher?.end();
    await app?.db.$disconnect();
    await database?.close();
  });

  /** mug ×2 + scoop = $48.00 at version 1. */
  const FIRST_VERSION_TOTAL = 2 * 1800 + 1200;

  /** transaction_retries_total{transaction="settle", reason="deadlock"}, as /api/metrics shows it. */
  async function settleRetries(): Promise<number> {
    const metric = app.metrics.registry.getSingleMetric("transaction_retries_total");
    const { values } = metric ? await metric.get() : { values: [] };
    return values.find((series) => series.labels.transaction === "settle" && series.labels.reason === "deadlock")?.value ?? 0;
  }

  const linesOf = async (orderId: string) =>
    (await app.db.orderItem.findMany({ where: { orderId }, orderBy: { slug: "asc" }, select: { slug: true, quantity: true } })).map(({ slug, quantity }) => `${slug}×${quantity}`);

  it("never writes an order whose lines come from another cart version than the one it names", async () => {
    const cart = await app.createCart();
    const mug = await app.db.product.findUniqueOrThrow({ where: { slug: "stoneware-mug" } });

    // The recipe: hold CartItem so the checkout stops right before it reads the lines…
    await bystander.query(`BEGIN; LOCK TABLE "CartItem"`);
    const placing = app.checkout(app.fromCart(cart, randomUUID()));
    await waitForLockWaiters(watcher, 1);
    // …then the shopper sets the mug to 50 (a new version) and that commits first.
    await bystander.query(`UPDATE "CartItem" SET quantity = 50 WHERE "cartId" = $1 AND "productId" = $2`, [cart.id, mug.id]);
    await bystander.query(`UPDATE "Cart" SET version = version + 1 WHERE id = $1`, [cart.id]);
    await bystander.query("COMMIT");
    const result = await placing;

    const orders = await app.db.order.findMany({ where: { cartId: cart.id } });
    for (const order of orders) {
      expect(order.cartVersion).toBe(cart.version);
      expect({ total: order.totalCents, lines: await linesOf(order.id) }).toEqual({ total: FIRST_VERSION_TOTAL, lines: ["brass-scoop×1", "stoneware-mug×2"] });
    }
    // The version asked for is gone: refused clearly, nothing written, nothing charged.
    expect(result.status).toBe(409);
    expect(result.body.error?.code).toBe("cart_changed");
    expect(orders).toHaveLength(0);
    expect(await app.statsForCart(cart.id)).toMatchObject({ paymentIntents: 0, charges: 0 });
  });

  it("lets a cart edit that meets a settling checkout wait for it instead of deadlocking", async () => {
    const cart = await app.createCart();
    // Both writers queue on the cart row, the settle first.
    await bystander.query("BEGIN");
    await bystander.query(`SELECT 1 FROM "Cart" WHERE id = $1 FOR SHARE`, [cart.id]);
    const placing = app.checkout(app.fromCart(cart, randomUUID()));
    await waitForLockWaiters(watcher, 1);
    const editing = app.setCartQuantity(cart.id, { slug: "brass-scoop", quantity: 3 });
    await waitForLockWaiters(watcher, 2);
    await bystander.query("COMMIT");

    const [placed, edited] = await Promise.allSettled([placing, editing]);
    expect(placed).toMatchObject({ status: "fulfilled", value: { status: 201, body: { order: { status: "paid", totalCents: FIRST_VERSION_TOTAL } } } });
    expect(edited.status).toBe("fulfilled");
    // The order closed its version; the edit made the next one, holding only what it added.
    const after = await app.db.cart.findUniqueOrThrow({ where: { id: cart.id }, include: { items: { include: { product: true } } } });
    expect(after.version).toBe(cart.version + 2);
    expect(after.items.map((item) => `${item.product.slug}×${item.quantity}`)).toEqual(["brass-scoop×3"]);
  });

  it("retries a settle transaction that PostgreSQL chose as a deadlock's victim: the charge is recorded and the shopper gets the paid order", async () => {
    const cart = await app.createCart();
    const key = randomUUID();
    await app.delayAllAnswers(cart.id);
    const unknown = await app.checkout(app.fromCart(cart, key));
    expect(unknown.status).toBe(503);
    const orderId = unknown.body.order!.id;
    const retriesBefore = await settleRetries();

    // The bystander holds the cart's lines, so the retry's settle stops at them while holding the
    // order; then the bystander asks for the order: a deadlock, and the settle (which waited
    // first, and so checks first) is the transaction PostgreSQL aborts.
    await bystander.query(`BEGIN; SET LOCAL deadlock_timeout = '60s'`);
    await bystander.query(`SELECT 1 FROM "CartItem" WHERE "cartId" = $1 FOR UPDATE`, [cart.id]);
    const retrying = app.checkout(app.fromCart(cart, key));
    await waitForLockWaiters(watcher, 1);
    await bystander.query(`SELECT 1 FROM "Order" WHERE id = $1 FOR NO KEY UPDATE`, [orderId]);
    await bystander.query("ROLLBACK");

    const retried = await retrying;
    expect(retried).toMatchObject({ status: 201, body: { order: { id: orderId, status: "paid" } } });
    expect(await app.db.outboxMessage.count({ where: { orderId } })).toBe(1);
    expect(await app.statsForCart(cart.id)).toMatchObject({ paymentIntents: 1, charges: 1 });
    expect((await settleRetries()) - retriesBefore).toBe(1);
  });

  it("races checkouts against cart edits without a deadlock or an order torn between two versions", async () => {
    const failures: string[] = [];
    const race = async (round: number) => {
      const cart = await app.createCart();
      const [placed, edited] = await Promise.allSettled([
        app.checkout(app.fromCart(cart, randomUUID())),
        app.setCartQuantity(cart.id, { slug: "stoneware-mug", quantity: 50 }),
      ]);
      for (const outcome of [placed, edited]) if (outcome.status === "rejected") failures.push(`round ${round}: ${String(outcome.reason).slice(0, 160)}`);
      for (const order of await app.db.order.findMany({ where: { cartId: cart.id } })) {
        if (order.totalCents !== FIRST_VERSION_TOTAL) failures.push(`round ${round}: order for version ${order.cartVersion} totals ${order.totalCents}`);
      }
    };
    // Four carts at a time, so more races fit in the time.
    for (let round = 0; round < 10; round++) await Promise.all(Array.from({ length: 4 }, () => race(round)));
    expect(failures).toEqual([]);
  });
});
