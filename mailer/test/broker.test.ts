import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, type ChannelModel, type ConfirmChannel } from "amqplib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db.ts";
import { AmqpPublisher, declareMailQueues, mailQueues, publishOptions, DELIVERY_LIMIT, type MailQueues } from "@/lib/mail/amqp.ts";
import { encodeMessage, type MailMessage } from "@/lib/mail/message.ts";
import { relayPending, type Publisher } from "@/lib/mail/relay.ts";
import { startMailer, type Mailer } from "../mailer.ts";
import { AMQP_URL, serviceAvailable } from "../../test/setup/services.ts";

const available = await serviceAvailable("RabbitMQ", AMQP_URL, "start it with `rabbitmq-server -detached`, or set AMQP_URL");

/** A paid order with its confirmation queued in the outbox, written directly (these tests are about the message path). */
async function queuedConfirmation(): Promise<MailMessage> {
  const key = randomUUID();
  const order = await db.order.create({
    data: {
      scope: `api:broker-test-${key}`, idempotencyKey: key, status: "paid", totalCents: 1200, currency: "usd", paymentMethod: "pm_card_visa",
      messages: { create: { kind: "order_confirmation", recipient: `api:broker-test-${key}`, subject: `Order ${key} is confirmed`, body: "Thank you!" } },
    },
    select: { id: true, messages: true },
  });
  const row = order.messages[0]!;
  return { messageId: row.id, orderId: order.id, kind: row.kind, recipient: row.recipient, subject: row.subject, body: row.body };
}

const mailboxOf = (orderIds: string[]) => db.mailboxEntry.count({ where: { orderId: { in: orderIds } } });
const deliveriesOf = async (messageId: string) => (await db.processedMessage.findUnique({ where: { messageId } }))?.deliveries ?? 0;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

async function relayAll(publisher: Publisher): Promise<void> {
  for (;;) if ((await relayPending(publisher, { limit: 100 })).claimed === 0) return;
}

/** A TCP proxy of the test's own in front of RabbitMQ, whose connections it can cut at will. */
async function startProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.hostname, port: Number(target.port || 5672) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(target);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.toString(),
    cut: () => sockets.forEach((socket) => socket.destroy()),
    close: () => new Promise<void>((resolve) => { sockets.forEach((socket) => socket.destroy()); server.close(() => resolve()); }),
  };
}

describe.skipIf(!available)("the confirmation through RabbitMQ (real broker)", () => {
  // Queues of this run only, on the shared broker: nothing else on it is touched.
  const prefix = `test.${randomBytes(4).toString("hex")}.`;
  const queues: MailQueues = mailQueues(prefix);
  let admin: ChannelModel;
  let channel: ConfirmChannel;
  const mailers: Mailer[] = [];
  const publishers: AmqpPublisher[] = [];

  const mailer = (options: { url?: string; prefetch?: number; labFaults?: boolean } = {}) => {
    const started = startMailer({ url: options.url ?? AMQP_URL, queues, db, prefetch: options.prefetch, labFaults: options.labFaults });
    mailers.push(started);
    return started;
  };
  const publisher = () => {
    const created = new AmqpPublisher(AMQP_URL, queues);
    publishers.push(created);
    return created;
  };
  const stopMailers = async () => {
    await Promise.all(mailers.splice(0).map((started) => started.stop()));
  };
  const queueDepth = async (name: string) => (await channel.checkQueue(name)).messageCount;

  beforeAll(async () => {
    admin = await connect(AMQP_URL);
    channel = await admin.createConfirmChannel();
    await declareMailQueues(channel, queues);
  });

  // A failed test must not leave its mailer consuming the next test's messages.
  afterEach(stopMailers);

  afterAll(async () => {
    await stopMailers();
    await Promise.all(publishers.map((created) => created.close()));
    await channel.deleteQueue(queues.queue).catch(() => undefined);
    await channel.deleteQueue(queues.deadLetter).catch(() => undefined);
    await admin.close();
  });

  it("relays every queued confirmation to the broker, marks it sent after the confirm, and the mailer writes one mailbox entry each", async () => {
    const messages = await Promise.all(Array.from({ length: 5 }, () => queuedConfirmation()));
    const started = mailer();
    await relayAll(publisher());
    for (const message of messages) expect(await db.outboxMessage.findUniqueOrThrow({ where: { id: message.messageId } })).toMatchObject({ sentAt: expect.any(Date) });
    await until("every message reached the mailbox", async () => (await mailboxOf(messages.map((m) => m.orderId))) === 5);
    await until("every delivery acknowledged", async () => (await queueDepth(queues.queue)) === 0);
    expect((await started.metrics.deliveries.get()).values.find((v) => v.labels.result === "delivered")?.value).toBeGreaterThanOrEqual(5);
    const steps = await db.auditEvent.findMany({ where: { orderId: messages[0]!.orderId }, orderBy: { id: "asc" }, select: { kind: true, detail: true } });
    // In either order: the mailer may commit before the relay marks the row it was confirmed.
    expect(steps).toHaveLength(2);
    expect(steps).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "outbox", detail: expect.objectContaining({ state: "sent", via: "broker" }) }), expect.objectContaining({ kind: "mail", detail: expect.objectContaining({ result: "delivered", via: "broker", delivery: 1 }) })]));
    await stopMailers();
  });

  it("the mailer killed after its commit and before its ack: the broker redelivers, the consumer skips it, one email", async () => {
    const message = await queuedConfirmation();
    // The real mailer process, told to SIGKILL itself right after the consumer's commit.
    const child = spawn(process.execPath, ["--import", "tsx", "mailer/main.ts"], {
      env: { ...process.env, AMQP_URL, AMQP_QUEUE_PREFIX: queues.queue.replace(/confirmations$/, ""), ENABLE_TEST_ENDPOINTS: "1", MAILER_FAULT: "die_after_commit", MAILER_METRICS_PORT: "0", LOG_LEVEL: "silent" },
      stdio: "ignore",
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    await relayAll(publisher());
    expect(await exited).toBe("SIGKILL");
    expect(await deliveriesOf(message.messageId)).toBe(1);
    expect(await mailboxOf([message.orderId])).toBe(1);

    const started = mailer();
    await until("the redelivery reached the consumer", async () => (await deliveriesOf(message.messageId)) === 2);
    await until("the redelivery acknowledged", async () => (await queueDepth(queues.queue)) === 0);
    expect(await mailboxOf([message.orderId])).toBe(1);
    expect((await started.metrics.deliveries.get()).values.find((v) => v.labels.result === "duplicate")?.value).toBe(1);
    expect((await started.metrics.redelivered.get()).values[0]?.value).toBe(1);
    await stopMailers();
  });

  it("the lab's fault header: the mailer commits, drops its connection before the ack and reconnects; the broker redelivers, the consumer skips it: one email", async () => {
    const message = await queuedConfirmation();
    const started = mailer({ labFaults: true });
    await publisher().publish(message, "crash_after_commit");
    await until("the redelivery reached the consumer", async () => (await deliveriesOf(message.messageId)) === 2);
    await until("the redelivery acknowledged", async () => (await queueDepth(queues.queue)) === 0);
    expect(await mailboxOf([message.orderId])).toBe(1);
    expect((await started.metrics.reconnects.get()).values[0]?.value).toBe(1);
    expect((await started.metrics.redelivered.get()).values[0]?.value).toBe(1);
    await stopMailers();
  });

  it("a mailer without labFaults (a production one) ignores the header: one delivery, acknowledged, no reconnect", async () => {
    const message = await queuedConfirmation();
    const started = mailer();
    await publisher().publish(message, "crash_after_commit");
    await until("the message acknowledged", async () => (await deliveriesOf(message.messageId)) === 1 && (await queueDepth(queues.queue)) === 0);
    await sleep(500);
    expect(await deliveriesOf(message.messageId)).toBe(1);
    expect((await started.metrics.reconnects.get()).values[0]?.value ?? 0).toBe(0);
    await stopMailers();
  });

  it("the relay carries the lab's mail_after_commit arm to the mailer on that scope's message only", async () => {
    // The app reads its configuration once; this worker has not read it yet (the same values as the status test below).
    Object.assign(process.env, { AMQP_URL, AMQP_QUEUE_PREFIX: prefix, ENABLE_TEST_ENDPOINTS: "1" });
    const [{ relayPublisher }, { armPausePoint, disarmPausePoints }] = await Promise.all([import("@/lib/mail/publisher.ts"), import("@/lib/test-hooks.ts")]);
    const started = mailer({ labFaults: true });
    // First a message of another scope, with the arm already set: it goes through untouched.
    armPausePoint("mail_after_commit", { ms: 0, crash: true, scope: `api:armed-${randomUUID()}` });
    const other = await queuedConfirmation();
    await relayAll(relayPublisher());
    await until("the other message acknowledged", async () => (await deliveriesOf(other.messageId)) === 1 && (await queueDepth(queues.queue)) === 0);
    // Then the armed scope's message: committed, the connection dropped, redelivered, skipped.
    const armed = await queuedConfirmation();
    armPausePoint("mail_after_commit", { ms: 0, crash: true, scope: armed.recipient });
    await relayAll(relayPublisher());
    await until("the armed message delivered twice", async () => (await deliveriesOf(armed.messageId)) === 2);
    await until("every delivery acknowledged", async () => (await queueDepth(queues.queue)) === 0);
    expect(await deliveriesOf(other.messageId)).toBe(1);
    expect(await mailboxOf([armed.orderId, other.orderId])).toBe(2);
    expect((await started.metrics.reconnects.get()).values[0]?.value).toBe(1);
    expect(disarmPausePoints()).toBe(1); // the other scope's arm, never taken
    await stopMailers();
  });

  it("the relay killed after the broker's confirm and before marking the row: published twice, one email", async () => {
    const message = await queuedConfirmation();
    const amqp = publisher();
    const diesBeforeMarking: Publisher = {
      path: "broker",
      async publish(next) {
        await amqp.publish(next);
        if (next.messageId === message.messageId) throw new Error("relay died after the confirm, before marking the row");
      },
    };
    await relayPending(diesBeforeMarking, { limit: 100, retryMs: 1 });
    expect(await db.outboxMessage.findUniqueOrThrow({ where: { id: message.messageId } })).toMatchObject({ sentAt: null });
    await sleep(5);
    await relayAll(amqp); // a relay claims it again once its (shortened) lease ran out
    expect(await db.outboxMessage.findUniqueOrThrow({ where: { id: message.messageId } })).toMatchObject({ sentAt: expect.any(Date), publishAttempts: 2 });
    mailer();
    await until("both copies reached the consumer", async () => (await deliveriesOf(message.messageId)) === 2);
    expect(await mailboxOf([message.orderId])).toBe(1);
    await stopMailers();
  });

  it("the broker connection dropped mid-stream (a TCP proxy cuts it): the mailer reconnects, nothing is lost, nothing doubled", async () => {
    const proxy = await startProxy(new URL(AMQP_URL));
    try {
      const messages = await Promise.all(Array.from({ length: 30 }, () => queuedConfirmation()));
      const ids = messages.map((m) => m.orderId);
      const started = mailer({ url: proxy.url, prefetch: 2 });
      await relayAll(publisher());
      await until("some messages delivered", async () => (await mailboxOf(ids)) >= 5);
      proxy.cut();
      await until("the mailer reconnected", async () => (await started.metrics.reconnects.get()).values[0]?.value === 1);
      await until("every message reached the mailbox", async () => (await mailboxOf(ids)) >= 30);
      await until("every delivery acknowledged", async () => (await queueDepth(queues.queue)) === 0);
      expect(await mailboxOf(ids)).toBe(30);
      await stopMailers();
    } finally {
      await proxy.close();
    }
  });

  it("a duplicate publish storm (the same message 50 times at once) leaves one mailbox entry", async () => {
    const message = await queuedConfirmation();
    await Promise.all(Array.from({ length: 50 }, () => new Promise<void>((resolve, reject) => channel.sendToQueue(queues.queue, encodeMessage(message), publishOptions(message), (error) => (error ? reject(new Error(String(error))) : resolve())))));
    mailer({ prefetch: 20 });
    await until("all 50 copies reached the consumer", async () => (await deliveriesOf(message.messageId)) === 50, 30_000);
    await until("every copy acknowledged", async () => (await queueDepth(queues.queue)) === 0);
    expect(await mailboxOf([message.orderId])).toBe(1);
    await stopMailers();
  });

  it(`dead-letters a poison message at once, and one that keeps failing after ${DELIVERY_LIMIT} deliveries`, async () => {
    const before = await queueDepth(queues.deadLetter);
    await channel.sendToQueue(queues.queue, Buffer.from("not a message"), { persistent: true });
    // A well-formed message whose order does not exist: the consumer's transaction fails every time.
    const orphan: MailMessage = { messageId: `orphan_${randomUUID()}`, orderId: `missing_${randomUUID()}`, kind: "order_confirmation", recipient: "api:nobody", subject: "Lost", body: "No order" };
    await channel.sendToQueue(queues.queue, encodeMessage(orphan), publishOptions(orphan));
    await channel.waitForConfirms();
    const started = mailer();
    await until("both dead-lettered", async () => (await queueDepth(queues.deadLetter)) === before + 2, 30_000);
    const results = Object.fromEntries((await started.metrics.deliveries.get()).values.map((v) => [v.labels.result, v.value]));
    expect(results).toMatchObject({ poison: 1 });
    expect(results.failed).toBeGreaterThanOrEqual(DELIVERY_LIMIT);
    expect(await deliveriesOf(orphan.messageId)).toBe(0);
    await stopMailers();
  });

  it("shows the dead-lettered messages in /admin's confirmation status", async () => {
    // The app's configuration was read once, by the relay test above, with these values.
    Object.assign(process.env, { AMQP_URL, AMQP_QUEUE_PREFIX: prefix });
    const { mailStatus } = await import("@/lib/mail/status.ts");
    expect(await mailStatus()).toMatchObject({ path: "broker", broker: { queue: queues.queue, ready: 0, deadLetter: queues.deadLetter, deadLettered: 2 } });
  });
});
