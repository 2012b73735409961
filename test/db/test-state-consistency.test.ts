import type pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectAsBystander, describeOnPostgres, usePrivateDatabase, waitForLockWaiters } from "../setup/postgres.ts";

/**
 * The scenarios judge the shop by /api/test/state (lib/test-state.ts). Read in several
 * statements, each with its own READ COMMITTED snapshot, it could show an order as it was before
 * a settle and its confirmation as it is after: "processing, confirmation already sent".
 */
describeOnPostgres("the scenarios' view of the shop is one snapshot (PostgreSQL)", () => {
  let database: { close: () => Promise<void> };
  let app: Awaited<ReturnType<typeof loadApp>>;
  let bystander: pg.Client;
  let watcher: pg.Client;

  async function loadApp() {
    const [{ shopState }, { db }, fixtures] = await Promise.all([import("@/lib/test-state.ts"), import("@/lib/db.ts"), import("../setup/fixtures.ts")]);
    return { shopState, db, ...fixtures };
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

  it("never shows an order before its settle together with the confirmation delivered after it", async () => {
    const { apiKey } = await app.createApiClient();
    const placed = await app.callCheckoutApi({ apiKey, body: { items: [{ slug: "gooseneck-kettle", quantity: 1 }], paymentMethod: "pm_test_delayed_success" } });
    const orderId = placed.body.order!.id;
    expect(placed.body.order).toMatchObject({ status: "processing" });

    // Hold the mailbox so the read stops after it read the order, right before its confirmations…
    await bystander.query(`BEGIN; LOCK TABLE "MailboxEntry"`);
    const reading = app.shopState({ orderId });
    await waitForLockWaiters(watcher, 1);
    // …then the order is settled and its confirmation delivered, and that commits (one
    // transaction here, to make the point: the read must show all of it or none).
    const messageId = `msg_${orderId}`;
    await bystander.query(`UPDATE "Order" SET status = 'paid' WHERE id = $1`, [orderId]);
    await bystander.query(`INSERT INTO "OutboxMessage" (id, "orderId", kind, recipient, subject, body, "sentAt") VALUES ($1, $2, 'order_confirmation', 'x@example.test', 's', 'b', now())`, [messageId, orderId]);
    await bystander.query(`INSERT INTO "MailboxEntry" (id, "messageId", "orderId", kind, recipient, subject, body) VALUES ($1, $1, $2, 'order_confirmation', 'x@example.test', 's', 'b')`, [messageId, orderId]);
    await bystander.query("COMMIT");
    const state = await reading;

    const seen = (order: (typeof state.orders)[number]) => ({ status: order.status, outbox: order.outbox.length, mailbox: order.messages.length });
    // Before (processing, nothing queued or delivered) or after (paid, queued and delivered), never half of each.
    expect(seen(state.orders[0]!)).toEqual({ status: "processing", outbox: 0, mailbox: 0 });
    expect(seen((await app.shopState({ orderId })).orders[0]!)).toEqual({ status: "paid", outbox: 1, mailbox: 1 });
  });
});
