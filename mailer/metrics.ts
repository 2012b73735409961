import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

/** The mailer's own registry, served on its own port (it is a process of its own, not a Next.js route). */
export function createMailerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "mailer_" });
  return {
    registry,
    deliveries: new Counter({
      name: "mailer_deliveries_total",
      help: "Deliveries from RabbitMQ by what the consumer did: delivered (mailbox entry written), duplicate (already processed: acked, skipped), failed (not committed: returned to the queue), poison (not a message: dead-lettered)",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    redelivered: new Counter({ name: "mailer_redelivered_total", help: "Deliveries the broker flagged as redelivered (a consumer died or its connection dropped before the ack)", registers: [registry] }),
    reconnects: new Counter({ name: "mailer_reconnects_total", help: "Connections to RabbitMQ opened after the first", registers: [registry] }),
    connected: new Gauge({ name: "mailer_connected", help: "1 while consuming from RabbitMQ", registers: [registry] }),
  };
}
export type MailerMetrics = ReturnType<typeof createMailerMetrics>;
