import { env } from "@/lib/env.ts";
import { AmqpPublisher, mailQueues } from "@/lib/mail/amqp.ts";
import type { Publisher } from "@/lib/mail/relay.ts";
import { inProcessPublisher } from "@/lib/outbox.ts";

const globalForPublisher = globalThis as unknown as { amqpPublisher?: AmqpPublisher };

/**
 * Where this instance's relay hands confirmations: RabbitMQ when AMQP_URL is set (the mailer
 * process consumes them), else the consumer in process. One connection per process, reopened
 * on the next publish after it drops.
 */
export function relayPublisher(): Publisher {
  const { AMQP_URL, AMQP_QUEUE_PREFIX } = env();
  if (!AMQP_URL) return inProcessPublisher;
  return (globalForPublisher.amqpPublisher ??= new AmqpPublisher(AMQP_URL, mailQueues(AMQP_QUEUE_PREFIX)));
}
