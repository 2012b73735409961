import { connect, type ChannelModel, type ConfirmChannel, type Options } from "amqplib";
import { encodeMessage, type MailMessage } from "@/lib/mail/message.ts";
import type { Publisher } from "@/lib/mail/relay.ts";

/**
 * The RabbitMQ side of the confirmation path. The broker is shared with other projects and
 * runs, so this code only ever declares its own queues (named with a prefix), never changes
 * anything else on it.
 */
export type MailQueues = { queue: string; deadLetter: string };

export function mailQueues(prefix = process.env.AMQP_QUEUE_PREFIX ?? "shop."): MailQueues {
  return { queue: `${prefix}confirmations`, deadLetter: `${prefix}confirmations.dead` };
}

/**
 * How many times the broker hands one message out before it gives up and dead-letters it. A
 * classic queue does not count deliveries; a quorum queue does (x-delivery-limit), including
 * the ones returned because a consumer died before its ack.
 */
export const DELIVERY_LIMIT = 5;

/**
 * Declares the queue and its dead-letter queue, both durable quorum queues (replicated, and
 * written to disk before the publisher's confirm). Idempotent: every process declares them the
 * same way at start.
 */
export async function declareMailQueues(channel: ConfirmChannel, queues: MailQueues): Promise<void> {
  await channel.assertQueue(queues.deadLetter, { durable: true, arguments: { "x-queue-type": "quorum" } });
  await channel.assertQueue(queues.queue, {
    durable: true,
    arguments: { "x-queue-type": "quorum", "x-delivery-limit": DELIVERY_LIMIT, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": queues.deadLetter },
  });
}

const RECONNECT_PAUSE_MS = 1_000;

/**
 * A header the lab's "mailer crashes before acknowledging" puts on one message: the mailer process
 * that commits it then drops its connection without the ack, as a crash would (mailer/mailer.ts).
 * Honoured only where test hooks or the lab are on; the relay sets it only for a run that armed it.
 */
export const LAB_FAULT_HEADER = "x-lab-fault";
export type LabFault = "crash_after_commit";

/** The publish properties: persistent, and the message id also as AMQP's message-id for operators. */
export function publishOptions(message: MailMessage, fault?: LabFault): Options.Publish {
  return { persistent: true, messageId: message.messageId, contentType: "application/json", type: message.kind, ...(fault && { headers: { [LAB_FAULT_HEADER]: fault } }) };
}

/**
 * A publisher with confirms: `publish` resolves only when the broker has taken responsibility
 * for the message (for a quorum queue: a majority wrote it). The relay marks the outbox row sent
 * only after that. A lost connection fails the pending publishes; the next one reconnects.
 */
export class AmqpPublisher implements Publisher {
  readonly path = "broker" as const;
  private connecting: Promise<{ connection: ChannelModel; channel: ConfirmChannel }> | null = null;
  private failedAt = 0;

  constructor(
    private readonly url: string,
    private readonly queues: MailQueues = mailQueues(),
  ) {}

  async publish(message: MailMessage, fault?: LabFault): Promise<void> {
    const { channel } = await this.open();
    await new Promise<void>((resolve, reject) => {
      channel.sendToQueue(this.queues.queue, encodeMessage(message), publishOptions(message, fault), (error) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()));
    });
  }

  async close(): Promise<void> {
    const open = this.connecting;
    this.connecting = null;
    if (open) await (await open.catch(() => null))?.connection.close().catch(() => undefined);
  }

  private open() {
    // A broker that just refused us is not asked again for a moment: one relay pass would
    // otherwise open a connection per message of its batch.
    if (!this.connecting && Date.now() - this.failedAt < RECONNECT_PAUSE_MS) return Promise.reject(new Error("RabbitMQ was unreachable a moment ago; trying again shortly"));
    this.connecting ??= (async () => {
      const connection = await connect(this.url);
      const forget = () => {
        this.connecting = null;
      };
      connection.on("close", forget);
      connection.on("error", forget);
      const channel = await connection.createConfirmChannel();
      channel.on("error", forget);
      channel.on("close", forget);
      await declareMailQueues(channel, this.queues);
      return { connection, channel };
    })().catch((error: unknown) => {
      this.connecting = null;
      this.failedAt = Date.now();
      throw error;
    });
    return this.connecting;
  }
}
