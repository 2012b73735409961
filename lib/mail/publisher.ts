import { env } from "@/lib/env.ts";
import { AmqpPublisher, mailQueues } from "@/lib/mail/amqp.ts";
import { RelayDied, type Publisher } from "@/lib/mail/relay.ts";
import { inProcessPublisher } from "@/lib/outbox.ts";
import { pausePoint, SimulatedCrash } from "@/lib/test-hooks.ts";

const globalForPublisher = globalThis as unknown as { amqpPublisher?: AmqpPublisher; brokerPublisher?: Publisher; inProcessRelay?: Publisher };

/**
 * Where this instance's relay hands confirmations: RabbitMQ when AMQP_URL is set (the mailer
 * process consumes them), else the consumer in process. One connection per process, reopened
 * on the next publish after it drops.
 */
export function relayPublisher(): Publisher {
  const { AMQP_URL, AMQP_QUEUE_PREFIX } = env();
  if (!AMQP_URL) return (globalForPublisher.inProcessRelay ??= withRelayPoint(inProcessPublisher));
  const amqp = (globalForPublisher.amqpPublisher ??= new AmqpPublisher(AMQP_URL, mailQueues(AMQP_QUEUE_PREFIX)));
  return (globalForPublisher.brokerPublisher ??= withRelayPoint(amqp));
}

/**
 * The hand-over, then relay_after_publish: the broker confirmed (or the consumer in process
 * committed) and the relay has not marked the row sent. A relay that dies here (the campaign
 * kills it here) publishes it again after its lease: the consumer must skip the copy. A simulated
 * crash here (the lab) is a dead relay, so the row keeps its lease (RelayDied).
 */
function withRelayPoint(publisher: Publisher): Publisher {
  return {
    path: publisher.path,
    async publish(message) {
      await publisher.publish(message);
      await pausePoint("relay_after_publish", message.recipient).catch((error: unknown) => {
        throw error instanceof SimulatedCrash ? new RelayDied(error.message) : error;
      });
    },
  };
}
