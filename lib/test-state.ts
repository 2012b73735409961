import { db } from "@/lib/db.ts";
import { env } from "@/lib/env.ts";

/** Test-only endpoints exist only when ENABLE_TEST_ENDPOINTS=1; otherwise they answer 404. */
export function testEndpointsEnabled(): boolean {
  return env().ENABLE_TEST_ENDPOINTS;
}

/** Everything the scenarios assert on for one cart or order, read through the app, never the files. */
export async function shopState(filter: { cartId?: string; orderId?: string }) {
  const where = filter.orderId ? { id: filter.orderId } : { cartId: filter.cartId ?? "-" };
  const orders = await db.order.findMany({
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
  const [records, webhookEvents] = await Promise.all([
    db.idempotencyRecord.findMany({ where: { orderId: { in: orderIds } }, select: { key: true, recoveryPoint: true, responseStatus: true } }),
    db.webhookEvent.findMany({ where: { orderId: { in: orderIds } }, select: { id: true, type: true } }),
  ]);
  // "messages" are the confirmations that reached the mailbox (what the shopper received); the
  // outbox rows behind them are listed apart.
  return { orders: orders.map(({ messages, mailbox, ...order }) => ({ ...order, messages: mailbox, outbox: messages })), records, webhookEvents };
}
