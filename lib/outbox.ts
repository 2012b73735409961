import { logger } from "@/lib/log.ts";
import { consumeMessage } from "@/lib/mail/consume.ts";
import { relayPending, type Publisher } from "@/lib/mail/relay.ts";
import { metrics } from "@/lib/metrics.ts";
import { formatMoney } from "@/lib/money.ts";
import { pausePoint } from "@/lib/test-hooks.ts";

export const CONFIRMATION = "order_confirmation";

/**
 * The confirmation of an order, queued by the settle that makes it paid (in the same statement:
 * lib/checkout/statements/settle-order.ts). UNIQUE (order, kind) makes a second confirmation
 * impossible even if two writers both believed they were first.
 */
export type ConfirmableOrder = { id: string; scope: string; totalCents: number; currency: string };

export function confirmationOf(order: ConfirmableOrder): { kind: string; subject: string; body: string } {
  return {
    kind: CONFIRMATION,
    subject: `Order ${order.id} is confirmed`,
    body: `Thank you! We received your payment of ${formatMoney(order.totalCents, order.currency)}.`,
  };
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
