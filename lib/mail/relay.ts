import { audit, recordAudit } from "@/lib/audit.ts";
import { db, type Db } from "@/lib/db.ts";
import type { MailMessage } from "@/lib/mail/message.ts";

/**
 * Where the relay hands a message: the consumer in process, or RabbitMQ (lib/mail/amqp.ts).
 * `publish` resolves only once the message is safely with the other side (consumer committed,
 * broker confirmed); the relay marks the row sent after that, never before.
 */
export type Publisher = { readonly path: "in_process" | "broker"; publish(message: MailMessage): Promise<void> };

export type RelayResult = { claimed: number; sent: number; failed: number };

/**
 * Thrown by a publisher whose relay is to be taken for dead right after the hand-over (the lab's
 * simulated crash at relay_after_publish): a dead relay gives nothing back, so the row keeps its
 * full lease and is published again only once that runs out, as after a real kill.
 */
export class RelayDied extends Error {}

/** How long a claimed row stays a relay's own before another relay may take it (a dead relay's rows come back). */
export const RELAY_LEASE_MS = 30_000;
/** After a failed hand-over (broker down, consumer error) the row is tried again this much later. */
export const RELAY_RETRY_MS = 2_000;

/**
 * Claims up to `limit` unsent rows for this relay: FOR UPDATE SKIP LOCKED so concurrent relays
 * pick different rows instead of queueing on the same ones, and a lease (database clock) so a
 * row being published is left alone until the lease runs out. Several relays therefore rarely
 * publish one row twice; when they do (a lease outlived by a slow publish, a relay killed after
 * the broker's confirm and before marking), the consumer's processed-message check absorbs it.
 */
export async function claimBatch(client: Db, limit: number, leaseMs = RELAY_LEASE_MS): Promise<MailMessage[]> {
  return client.$queryRaw<MailMessage[]>`
    UPDATE "OutboxMessage" AS m
    SET "leasedUntil" = now() + ${leaseMs}::int * interval '1 millisecond', "publishAttempts" = m."publishAttempts" + 1
    FROM (
      SELECT id FROM "OutboxMessage"
      WHERE "sentAt" IS NULL AND ("leasedUntil" IS NULL OR "leasedUntil" < now())
      ORDER BY "createdAt"
      LIMIT ${limit}::int
      FOR UPDATE SKIP LOCKED
    ) AS due
    WHERE m.id = due.id
    RETURNING m.id AS "messageId", m."orderId", m.kind, m.recipient, m.subject, m.body`;
}

/** Marks a row sent after its hand-over succeeded; false when another relay marked it first. */
export async function markSent(client: Db, message: MailMessage, path: Publisher["path"]): Promise<boolean> {
  return client.$transaction(async (tx) => {
    const { count } = await tx.outboxMessage.updateMany({ where: { id: message.messageId, sentAt: null }, data: { sentAt: new Date(), leasedUntil: null } });
    if (count === 1) await recordAudit(tx, [audit("outbox", { scope: message.recipient, orderId: message.orderId }, { state: "sent", kind: message.kind, via: path })]);
    return count === 1;
  });
}

/** One pass of the relay: claim a batch, hand each message over, mark each one sent after its hand-over. */
export async function relayPending(publisher: Publisher, options: { client?: Db; limit?: number; leaseMs?: number; retryMs?: number; onError?: (error: unknown, message: MailMessage) => void } = {}): Promise<RelayResult> {
  const client = options.client ?? db;
  const batch = await claimBatch(client, options.limit ?? 50, options.leaseMs);
  let sent = 0;
  let failed = 0;
  for (const message of batch) {
    try {
      await publisher.publish(message);
    } catch (error) {
      failed++;
      options.onError?.(error, message);
      if (error instanceof RelayDied) continue;
      // Left unsent; its lease shortened so that it is tried again soon (by any relay).
      await client.$executeRaw`UPDATE "OutboxMessage" SET "leasedUntil" = now() + ${options.retryMs ?? RELAY_RETRY_MS}::int * interval '1 millisecond' WHERE id = ${message.messageId} AND "sentAt" IS NULL`;
      continue;
    }
    if (await markSent(client, message, publisher.path)) sent++;
  }
  return { claimed: batch.length, sent, failed };
}
