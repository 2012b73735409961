import { audit, recordAudit } from "@/lib/audit.ts";
import { db, type Db } from "@/lib/db.ts";
import { mailMessage, type MailMessage, type MailPath } from "@/lib/mail/message.ts";

export type ConsumeResult = { result: "delivered" | "duplicate"; deliveries: number };

/**
 * THE idempotent consumer, one function for both paths (the in-process relay, and the mailer
 * process reading RabbitMQ). In one transaction: record the message id in ProcessedMessage, and
 * only if this is its first delivery write the mailbox entry (the "email"). Either both commit
 * or neither does, so a consumer that dies anywhere before the commit leaves no trace and the
 * redelivery does the work; one that dies after the commit (before its ack) leaves the row, and
 * the redelivery is recognised and skipped. Acknowledge the broker only after this returns.
 *
 * The insert is an upsert that counts deliveries: on PostgreSQL a concurrent second delivery
 * waits on the first one's uncommitted row, then sees it and counts itself a duplicate.
 */
export async function consumeMessage(input: MailMessage, via: MailPath, client: Db = db): Promise<ConsumeResult> {
  const message = mailMessage.parse(input);
  return client.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ deliveries: number }[]>`
      INSERT INTO "ProcessedMessage" ("messageId", "orderId", deliveries, "processedAt", "lastSeenAt")
      VALUES (${message.messageId}, ${message.orderId}, 1, now(), now())
      ON CONFLICT ("messageId") DO UPDATE SET deliveries = "ProcessedMessage".deliveries + 1, "lastSeenAt" = now()
      RETURNING deliveries`;
    const deliveries = row!.deliveries;
    const result = deliveries === 1 ? "delivered" : "duplicate";
    if (result === "delivered") {
      const { messageId, orderId, kind, recipient, subject, body } = message;
      await tx.mailboxEntry.create({ data: { messageId, orderId, kind, recipient, subject, body }, select: { id: true } });
    }
    await recordAudit(tx, [audit("mail", { scope: message.recipient, orderId: message.orderId }, { result, via, delivery: deliveries, kind: message.kind })]);
    return { result, deliveries };
  });
}
