import { randomBytes } from "node:crypto";
import { connect } from "amqplib";
import { ClusterSetupError } from "../cluster/preflight.ts";
import { mailQueues } from "../lib/mail/amqp.ts";

/** The project machines' RabbitMQ, when AMQP_URL does not name another. */
export const DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672";

export type CampaignBroker = {
  url: string;
  /** AMQP_QUEUE_PREFIX for the run's instances and mailer: queues no other run or shop shares. */
  prefix: string;
  /** Messages in the run's dead-letter queue: confirmations the mailer gave up on. */
  deadLettered: () => Promise<number>;
  /** Deletes the run's two queues (the only things the campaign ever creates on the shared broker). */
  drop: () => Promise<void>;
};

/**
 * The run's corner of the shared broker: queue names of its own (the shop and the mailer declare
 * them on start), deleted afterwards. Nothing else on the broker is touched: no vhost, no policy.
 */
export async function campaignBroker(environment: Record<string, string | undefined>, seed: number): Promise<CampaignBroker> {
  const url = environment.AMQP_URL || DEFAULT_AMQP_URL;
  const probe = await connect(url).catch((error: unknown) => {
    throw new ClusterSetupError(`--broker: RabbitMQ does not answer at ${url.replace(/\/\/[^@/]*@/, "//")} (${String(error)}); start it, or run without --broker (confirmations in process)`);
  });
  await probe.close();
  const prefix = `campaign.${seed}.${randomBytes(3).toString("hex")}.`;
  const queues = mailQueues(prefix);
  const withChannel = async <T>(work: (channel: Awaited<ReturnType<Awaited<ReturnType<typeof connect>>["createChannel"]>>) => Promise<T>) => {
    const connection = await connect(url);
    try {
      return await work(await connection.createChannel());
    } finally {
      await connection.close().catch(() => undefined);
    }
  };
  return {
    url,
    prefix,
    deadLettered: () => withChannel(async (channel) => (await channel.checkQueue(queues.deadLetter)).messageCount),
    drop: () =>
      withChannel(async (channel) => {
        await channel.deleteQueue(queues.queue);
        await channel.deleteQueue(queues.deadLetter);
      }),
  };
}
