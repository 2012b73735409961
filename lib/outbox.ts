import type { Tx } from "@/lib/db.ts";
import { logger } from "@/lib/log.ts";
import { consumeMessage } from "@/lib/mail/consume.ts";
import { relayPending, type Publisher } from "@/lib/mail/relay.ts";
import { metrics } from "@/lib/metrics.ts";
import { formatMoney } from "@/lib/money.ts";
import { pausePoint } from "@/lib/test-hooks.ts";

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

/** The relay's in-process hand-over (no AMQP_URL): the same consumer the mailer runs, called directly. */
export const inProcessPublisher: Publisher = {
  path: "in_process",
  async publish(message) {
    const { result } = await consumeMessage(message, "in_process");
    metrics.mailConsumed.inc({ result, via: "in_process" });
    // The lab's "mailer crashes before acknowledging": committed, but the hand-over never confirmed.
    await pausePoint("mail_after_commit", message.recipient);
  },
};

/**
 * One pass of the outbox relay. The row is marked sent after the consumer committed, in a
 * separate transaction, exactly as with a broker: a relay that dies in between hands the message
 * over again, and the consumer recognises it. One path, tested either way.
 */
export async function deliverPendingMessages(publisher: Publisher = inProcessPublisher, limit = 50): Promise<number> {
  const { sent } = await relayPending(publisher, { limit, onError: (error, message) => logger.warn({ err: error, messageId: message.messageId }, "outbox relay: hand-over failed, retried after the lease") });
  return sent;
}
