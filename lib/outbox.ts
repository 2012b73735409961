import { audit, recordAudit } from "@/lib/audit.ts";
import type { Tx } from "@/lib/db.ts";
import { db } from "@/lib/db.ts";
import { formatMoney } from "@/lib/money.ts";

export const CONFIRMATION = "order_confirmation";

/**
 * Written in the same transaction that marks the order paid. UNIQUE (order, kind) makes a
 * second confirmation impossible even if two writers both believed they were first.
 */
export type ConfirmableOrder = { id: string; scope: string; totalCents: number; currency: string };

export async function enqueueConfirmation(tx: Tx, order: ConfirmableOrder): Promise<void> {
  const orderId = order.id;
  await tx.outboxMessage.createMany({
    data: [{
      orderId,
      kind: CONFIRMATION,
      recipient: order.scope,
      subject: `Order ${orderId} is confirmed`,
      body: `Thank you! We received your payment of ${formatMoney(order.totalCents, order.currency)}.`,
    }],
    skipDuplicates: true,
  });
}

/**
 * Delivers queued messages. Claiming a message is a conditional update (sentAt still null), so
 * two workers never both deliver it. "Delivery" is the mailbox page here; a real shop would
 * call its mail provider with the message id as that provider's idempotency key.
 */
export async function deliverPendingMessages(limit = 50): Promise<number> {
  const pending = await db.outboxMessage.findMany({ where: { sentAt: null }, select: { id: true, orderId: true, recipient: true, kind: true }, orderBy: { createdAt: "asc" }, take: limit });
  let delivered = 0;
  for (const message of pending) {
    const sent = await db.$transaction(async (tx) => {
      const { count } = await tx.outboxMessage.updateMany({ where: { id: message.id, sentAt: null }, data: { sentAt: new Date() } });
      if (count === 1) await recordAudit(tx, [audit("outbox", { scope: message.recipient, orderId: message.orderId }, { state: "sent", kind: message.kind })]);
      return count;
    });
    delivered += sent;
  }
  return delivered;
}

export function listMessages(recipients: string[] | "all") {
  return db.outboxMessage.findMany({
    where: recipients === "all" ? {} : { recipient: { in: recipients } },
    orderBy: { createdAt: "desc" },
    take: 100,
    select: { id: true, orderId: true, kind: true, subject: true, body: true, createdAt: true, sentAt: true },
  });
}
