import { db, type Tx } from "@/lib/db.ts";
import { env } from "@/lib/env.ts";

/** Test-only endpoints exist only when ENABLE_TEST_ENDPOINTS=1; otherwise they answer 404. */
export function testEndpointsEnabled(): boolean {
  return env().ENABLE_TEST_ENDPOINTS;
}

type StateFilter = { cartId?: string; orderId?: string };

/**
 * Everything the scenarios assert on for one cart or order, read through the app, never the files.
 * Prisma reads an order's relations with statements of their own, and under READ COMMITTED each
 * statement has its own snapshot: a settle committing between them showed a processing order with
 * its confirmation already there. One REPEATABLE READ transaction is one snapshot for every read
 * (read-only, so it never fails to serialise).
 */
export function shopState(filter: StateFilter) {
  return db.$transaction((tx) => readShopState(tx, filter), { isolationLevel: "RepeatableRead" });
}

async function readShopState(tx: Tx, filter: StateFilter) {
  const where = filter.orderId ? { id: filter.orderId } : { cartId: filter.cartId ?? "-" };
  const orders = await tx.order.findMany({
    where,
    orderBy: { createdAt: "asc" },
    select: {
      id: true, status: true, idempotencyKey: true, cartVersion: true, totalCents: true, paymentIntentId: true,
      payments: { select: { paymentIntentId: true, status: true, amountCents: true } },
      messages: { select: { kind: true, sentAt: true } },
      mailbox: { select: { kind: true, messageId: true, deliveredAt: true } },
    },
  });
  const orderIds = orders.map((order) => order.id);
  // One after the other: a transaction's statements run on one connection anyway.
  const records = await tx.idempotencyRecord.findMany({ where: { orderId: { in: orderIds } }, select: { key: true, recoveryPoint: true, responseStatus: true } });
  const webhookEvents = await tx.webhookEvent.findMany({ where: { orderId: { in: orderIds } }, select: { id: true, type: true } });
  // "messages" are the confirmations that reached the mailbox (what the shopper received); the
  // outbox rows behind them are listed apart.
  return { orders: orders.map(({ messages, mailbox, ...order }) => ({ ...order, messages: mailbox, outbox: messages })), records, webhookEvents };
}
