import { setTimeout as sleep } from "node:timers/promises";
import { connect, type ChannelModel, type ConsumeMessage } from "amqplib";
import type { Db } from "@/lib/db.ts";
import { declareMailQueues, LAB_FAULT_HEADER, type MailQueues } from "@/lib/mail/amqp.ts";
import { consumeMessage } from "@/lib/mail/consume.ts";
import { decodeMessage } from "@/lib/mail/message.ts";
import { createMailerMetrics, type MailerMetrics } from "./metrics.ts";

export type MailerOptions = {
  url: string;
  queues: MailQueues;
  db: Db;
  /** Unacknowledged deliveries the broker may hand this mailer at once. */
  prefetch?: number;
  /** Test-only fault: the process dies right after the consumer's commit, before the ack. */
  dieAfterCommit?: () => void;
  /**
   * Honour the lab's fault header (LAB_FAULT_HEADER): a message carrying it, once committed, is not
   * acknowledged and the connection is dropped, as a crash would; the mailer then reconnects. Only
   * where the lab or test hooks are on (mailer/main.ts).
   */
  labFaults?: boolean;
  log?: (message: string, fields?: Record<string, unknown>) => void;
};

export type Mailer = { metrics: MailerMetrics; stop: () => Promise<void> };

/**
 * The mailer: consumes the confirmation queue with manual acknowledgement and a prefetch limit.
 * For each delivery: parse (not a message → reject without requeue: dead-lettered at once), run
 * the idempotent consumer (one transaction), and acknowledge only after it committed. A failure
 * before the commit returns the message (nack + requeue); the quorum queue counts each delivery
 * and dead-letters the message after DELIVERY_LIMIT of them. A lost connection is reopened with
 * a backoff; the broker redelivers whatever was not acknowledged, and the consumer skips what
 * it already committed.
 */
export function startMailer(options: MailerOptions): Mailer {
  const metrics = createMailerMetrics();
  const log = options.log ?? (() => undefined);
  let stopped = false;
  let current: ChannelModel | null = null;

  const handle = async (connection: ChannelModel, channel: Awaited<ReturnType<ChannelModel["createChannel"]>>, delivery: ConsumeMessage) => {
    if (delivery.fields.redelivered) metrics.redelivered.inc();
    let message;
    try {
      message = decodeMessage(delivery.content);
    } catch (error) {
      metrics.deliveries.inc({ result: "poison" });
      log("poison message dead-lettered", { error: String(error) });
      channel.nack(delivery, false, false);
      return;
    }
    let result;
    try {
      ({ result } = await consumeMessage(message, "broker", options.db));
    } catch (error) {
      metrics.deliveries.inc({ result: "failed" });
      log("delivery failed, returned to the queue", { messageId: message.messageId, error: String(error) });
      // The channel may be gone with the connection; then the broker returns it by itself.
      try {
        channel.nack(delivery, false, true);
      } catch {
        /* connection lost: redelivered anyway */
      }
      return;
    }
    options.dieAfterCommit?.();
    metrics.deliveries.inc({ result });
    // Only a first delivery's commit: the redelivery finds the message processed, and is acknowledged.
    if (options.labFaults && result === "delivered" && delivery.properties.headers?.[LAB_FAULT_HEADER] === "crash_after_commit") {
      log("lab fault: committed, connection dropped before the ack (as a crash would)", { messageId: message.messageId });
      await connection.close().catch(() => undefined);
      return;
    }
    try {
      channel.ack(delivery);
    } catch {
      // The connection dropped after the commit: the broker redelivers, the consumer skips it.
    }
  };

  let connections = 0;
  const runOnce = async () => {
    const connection = await connect(options.url);
    current = connection;
    const closed = new Promise<void>((resolve) => {
      connection.on("close", () => resolve());
      connection.on("error", () => undefined);
    });
    const setup = await connection.createConfirmChannel();
    await declareMailQueues(setup, options.queues);
    await setup.close();
    const channel = await connection.createChannel();
    channel.on("error", () => undefined);
    await channel.prefetch(options.prefetch ?? 10);
    await channel.consume(options.queues.queue, (delivery) => {
      if (delivery) void handle(connection, channel, delivery);
    }, { noAck: false });
    if (connections++ > 0) metrics.reconnects.inc();
    metrics.connected.set(1);
    log("consuming", { queue: options.queues.queue });
    await closed;
    metrics.connected.set(0);
    current = null;
  };

  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      const before = connections;
      try {
        await runOnce();
        if (!stopped) log("connection closed, reconnecting");
      } catch (error) {
        if (!stopped) log("cannot reach RabbitMQ, retrying", { error: String(error) });
      }
      failures = connections > before ? 0 : failures + 1;
      // Back off while the broker stays unreachable: 100 ms, doubling up to 3 s.
      if (!stopped) await sleep(Math.min(100 * 2 ** failures, 3_000));
    }
  })();

  return {
    metrics,
    stop: async () => {
      stopped = true;
      await current?.close().catch(() => undefined);
      await loop;
    },
  };
}
