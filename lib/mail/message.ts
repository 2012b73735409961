import { z } from "zod";

/**
 * A confirmation as it travels from the outbox to the mailer, in process or through the broker.
 * `messageId` is the outbox row's id: the consumer deduplicates on it, never on the broker's
 * delivery tag (which changes on every redelivery). Parsed at both ends: a broker delivers
 * whatever bytes it was given.
 */
export const mailMessage = z.object({
  messageId: z.string().min(1).max(64),
  orderId: z.string().min(1).max(64),
  kind: z.string().min(1).max(64),
  recipient: z.string().min(1).max(200),
  subject: z.string().min(1).max(500),
  body: z.string().min(1).max(10_000),
});
export type MailMessage = z.infer<typeof mailMessage>;

/** How the message reached the consumer: the relay's direct call, or a RabbitMQ delivery. */
export type MailPath = "in_process" | "broker";

export function encodeMessage(message: MailMessage): Buffer {
  return Buffer.from(JSON.stringify(message));
}

/** The message in a broker delivery's body; throws (a poison message) when it is not one. */
export function decodeMessage(content: Buffer): MailMessage {
  return mailMessage.parse(JSON.parse(content.toString("utf8")));
}
