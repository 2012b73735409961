import { env } from "@/lib/env.ts";
import { AmqpPublisher, mailQueues } from "@/lib/mail/amqp.ts";
import type { Publisher } from "@/lib/mail/relay.ts";
import { inProcessPublisher } from "@/lib/outbox.ts";
import { pausePoint } from "@/lib/test-hooks.ts";

const globalForPublisher = globalThis as unknown as { amqpPublisher?: AmqpPublisher; brokerPublisher?: Publisher };

/**
 * Where this instance's relay hands confirmations: RabbitMQ when AMQP_URL is set (the mailer
 * process consumes them), else the consumer in process. One connection per process, reopened
 * on the next publish after it drops.
 */
export function relayPublisher(): Publisher {
  const { AMQP_URL, AMQP_QUEUE_PREFIX } = env();
  if (!AMQP_URL) return inProcessPublisher;
  const amqp = (globalForPublisher.amqpPublisher ??= new AmqpPublisher(AMQP_URL, mailQueues(AMQP_QUEUE_PREFIX)));
  return (globalForPublisher.brokerPublisher ??= {
    path: "broker",
    async publish(message) {
      await amqp.publish(message);
      // The broker confirmed; the relay has not marked the row sent. A relay that dies here (the
      // campaign kills it here) publishes it again after its lease: the consumer must skip the copy.
      await pausePoint("relay_after_publish", message.recipient);
    },
  });
}
