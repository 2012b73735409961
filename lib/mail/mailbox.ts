import { db } from "@/lib/db.ts";

export type MailboxView = {
  entries: { id: string; messageId: string; orderId: string; subject: string; body: string; deliveredAt: Date; deliveries: number }[];
  /** Confirmations queued in the outbox that have not reached the mailbox yet. */
  onTheWay: number;
};

/**
 * What these recipients' inbox holds: the mailbox entries the consumer wrote (newest first),
 * each with how many deliveries of its message reached the consumer (more than one: the broker
 * or a relay sent it again, and the consumer skipped the copies).
 */
export async function readMailbox(recipients: string[] | "all"): Promise<MailboxView> {
  const where = recipients === "all" ? {} : { recipient: { in: recipients } };
  const [entries, queued] = await Promise.all([
    db.mailboxEntry.findMany({ where, orderBy: { deliveredAt: "desc" }, take: 100, select: { id: true, messageId: true, orderId: true, subject: true, body: true, deliveredAt: true } }),
    db.outboxMessage.findMany({ where, orderBy: { createdAt: "desc" }, take: 100, select: { id: true } }),
  ]);
  const ids = [...new Set([...entries.map((entry) => entry.messageId), ...queued.map((message) => message.id)])];
  const processed = await db.processedMessage.findMany({ where: { messageId: { in: ids } }, select: { messageId: true, deliveries: true } });
  const deliveries = new Map(processed.map((row) => [row.messageId, row.deliveries]));
  return {
    entries: entries.map((entry) => ({ ...entry, deliveries: deliveries.get(entry.messageId) ?? 1 })),
    onTheWay: queued.filter((message) => !deliveries.has(message.id)).length,
  };
}
