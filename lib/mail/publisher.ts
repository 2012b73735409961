import { env } from "@/lib/env.ts";
import { AmqpPublisher, mailQueues } from "@/lib/mail/amqp.ts";
import { RelayDied, type Publisher } from "@/lib/mail/relay.ts";
import { inProcessPublisher } from "@/lib/outbox.ts";
import { pausePoint, SimulatedCrash, takeArmed } from "@/lib/test-hooks.ts";

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
  return (globalForPublisher.brokerPublisher ??= withRelayPoint(withMailerCrash(amqp)));
}

/**
 * mail_after_commit with a broker: the consumer is the mailer process, where nothing is armed.
 * The arm (the lab's, for its run's scope) is taken here and travels on the message as a header;
 * the mailer that commits it drops its connection before the ack (mailer/mailer.ts).
 */
function withMailerCrash(amqp: AmqpPublisher): Publisher {
  return {
    path: amqp.path,
    publish: (message) => amqp.publish(message, takeArmed("mail_after_commit", message.recipient)?.crash ? "crash_after_commit" : undefined),
  };
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
