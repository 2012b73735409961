import { connect } from "amqplib";
import { db } from "@/lib/db.ts";
import { env } from "@/lib/env.ts";
import { mailQueues } from "@/lib/mail/amqp.ts";

export type BrokerQueues = { queue: string; ready: number; deadLetter: string; deadLettered: number } | { error: string };

/** The confirmation path at a glance, for /admin: the database's side always, RabbitMQ's when configured. */
export type MailStatus = {
  path: "in_process" | "broker";
  /** Queued in the outbox, not in the mailbox yet (in the relay's hands, or in the broker). */
  onTheWay: number;
  inMailbox: number;
  /** Deliveries the consumer recognised as already processed and skipped. */
  duplicatesSkipped: number;
  broker: BrokerQueues | null;
};

const BROKER_CACHE_MS = 5_000;
const globalForStatus = globalThis as unknown as { brokerQueues?: { at: number; value: Promise<BrokerQueues> } };

/** The queue's and the dead-letter queue's depth (passive checks: declares nothing), cached for a few seconds. */
function brokerQueues(url: string, prefix: string): Promise<BrokerQueues> {
  const cached = globalForStatus.brokerQueues;
  if (cached && Date.now() - cached.at < BROKER_CACHE_MS) return cached.value;
  const value = (async (): Promise<BrokerQueues> => {
    const queues = mailQueues(prefix);
    const connection = await connect(url, { timeout: 2_000 });
    try {
      const channel = await connection.createChannel();
      const [main, dead] = [await channel.checkQueue(queues.queue), await channel.checkQueue(queues.deadLetter)];
      return { queue: queues.queue, ready: main.messageCount, deadLetter: queues.deadLetter, deadLettered: dead.messageCount };
    } finally {
      await connection.close().catch(() => undefined);
    }
  })().catch((error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }));
  globalForStatus.brokerQueues = { at: Date.now(), value };
  return value;
}

export async function mailStatus(): Promise<MailStatus> {
  const { AMQP_URL, AMQP_QUEUE_PREFIX } = env();
  const [onTheWay, inMailbox, processed, broker] = await Promise.all([
    db.outboxMessage.count({ where: { order: { mailbox: { none: {} } } } }),
    db.mailboxEntry.count(),
    db.processedMessage.aggregate({ _sum: { deliveries: true }, _count: { _all: true } }),
    AMQP_URL ? brokerQueues(AMQP_URL, AMQP_QUEUE_PREFIX) : Promise.resolve(null),
  ]);
  return { path: AMQP_URL ? "broker" : "in_process", onTheWay, inMailbox, duplicatesSkipped: (processed._sum.deliveries ?? 0) - processed._count._all, broker };
}
