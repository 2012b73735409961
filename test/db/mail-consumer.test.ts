import { describe, expect, it } from "vitest";
import { db, createDb } from "@/lib/db.ts";
import { consumeMessage } from "@/lib/mail/consume.ts";
import type { MailMessage } from "@/lib/mail/message.ts";
import { claimBatch, relayPending, type Publisher } from "@/lib/mail/relay.ts";
import { relayPublisher } from "@/lib/mail/publisher.ts";
import { inProcessPublisher } from "@/lib/outbox.ts";
import { armPausePoint } from "@/lib/test-hooks.ts";
import { callCheckoutApi, createApiClient } from "../setup/fixtures.ts";

/** A paid order of a scope of its own, with its confirmation queued in the outbox (not yet relayed). */
async function paidOrderWithQueuedConfirmation(): Promise<{ orderId: string; message: MailMessage }> {
  const { apiKey } = await createApiClient("mail test");
  const placed = await callCheckoutApi({ apiKey });
  expect(placed.body.order).toMatchObject({ status: "paid" });
  const orderId = placed.body.order!.id;
  const row = await db.outboxMessage.findFirstOrThrow({ where: { orderId } });
  expect(row.sentAt).toBeNull();
  const { id: messageId, kind, recipient, subject, body } = row;
  return { orderId, message: { messageId, orderId, kind, recipient, subject, body } };
}

const mailboxOf = (orderId: string) => db.mailboxEntry.count({ where: { orderId } });
const deliveriesOf = async (messageId: string) => (await db.processedMessage.findUnique({ where: { messageId } }))?.deliveries ?? 0;

/** Relays until nothing is left to claim (other test files' rows are relayed along: harmless). */
async function relayAll(publisher: Publisher = inProcessPublisher) {
  for (;;) {
    const { claimed } = await relayPending(publisher);
    if (claimed === 0) return;
  }
}

describe("the idempotent consumer", () => {
  it("writes one mailbox entry for a message delivered twice, and counts the second delivery as a duplicate", async () => {
    const { orderId, message } = await paidOrderWithQueuedConfirmation();
    expect(await consumeMessage(message, "broker")).toEqual({ result: "delivered", deliveries: 1 });
    expect(await consumeMessage(message, "broker")).toEqual({ result: "duplicate", deliveries: 2 });
    expect(await mailboxOf(orderId)).toBe(1);
    const steps = await db.auditEvent.findMany({ where: { orderId, kind: "mail" }, orderBy: { id: "asc" }, select: { detail: true } });
    expect(steps.map((step) => step.detail)).toMatchObject([{ result: "delivered", delivery: 1 }, { result: "duplicate", delivery: 2 }]);
  });

  it("writes a second email when the processed-message row is gone: that row is the one guard (the mailbox has no unique constraint)", async () => {
    const { orderId, message } = await paidOrderWithQueuedConfirmation();
    await consumeMessage(message, "broker");
    // The guard switched off for this message: the redelivery finds no trace of the first one.
    await db.processedMessage.delete({ where: { messageId: message.messageId } });
    expect(await consumeMessage(message, "broker")).toEqual({ result: "delivered", deliveries: 1 });
    expect(await mailboxOf(orderId)).toBe(2);
  });

  it("turns 20 concurrent deliveries of one message into one mailbox entry (the duplicate storm)", async () => {
    const { orderId, message } = await paidOrderWithQueuedConfirmation();
    // Separate connections, so on PostgreSQL the transactions really overlap.
    const clients = Array.from({ length: 4 }, () => createDb(process.env.DATABASE_URL));
    try {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => consumeMessage(message, "broker", clients[i % clients.length])));
      expect(results.filter((result) => result.result === "delivered")).toHaveLength(1);
      expect(await mailboxOf(orderId)).toBe(1);
      expect(await deliveriesOf(message.messageId)).toBe(20);
    } finally {
      await Promise.all(clients.map((client) => client.$disconnect()));
    }
  });

  it("refuses a malformed message and writes nothing", async () => {
    const { orderId, message } = await paidOrderWithQueuedConfirmation();
    await expect(consumeMessage({ ...message, messageId: "" }, "broker")).rejects.toThrow();
    expect(await mailboxOf(orderId)).toBe(0);
  });
});

describe("the outbox relay (in process)", () => {
  it("delivers a queued confirmation once and marks the outbox row sent after the consumer committed", async () => {
    const { orderId, message } = await paidOrderWithQueuedConfirmation();
    await relayAll();
    expect(await mailboxOf(orderId)).toBe(1);
    expect(await db.outboxMessage.findUniqueOrThrow({ where: { id: message.messageId } })).toMatchObject({ sentAt: expect.any(Date), publishAttempts: 1 });
    await relayAll();
    expect(await deliveriesOf(message.messageId)).toBe(1);
  });

  it("a relay that dies after the hand-over and before marking the row hands it over again: still one mailbox entry", async () => {
    const { orderId, message } = await paidOrderWithQueuedConfirmation();
    // The consumer commits, then the relay "dies" before marking the row sent.
    const diesBeforeMarking: Publisher = {
      path: "in_process",
      async publish(next) {
        await consumeMessage(next, "in_process");
        throw new Error("relay died before marking the row sent");
      },
    };
    await relayPending(diesBeforeMarking, { retryMs: 1, limit: 1000 });
    expect(await db.outboxMessage.findUniqueOrThrow({ where: { id: message.messageId } })).toMatchObject({ sentAt: null });
    await new Promise((resolve) => setTimeout(resolve, 5)); // the 1 ms retry lease has run out (database clock)
    await relayAll();
    expect(await db.outboxMessage.findUniqueOrThrow({ where: { id: message.messageId } })).toMatchObject({ sentAt: expect.any(Date) });
    expect(await deliveriesOf(message.messageId)).toBe(2);
    expect(await mailboxOf(orderId)).toBe(1);
  });

  it("a simulated relay crash after the hand-over (the lab's relay_after_publish) keeps the dead relay's lease: published again only once it ran out, one mailbox entry", async () => {
    const { orderId, message } = await paidOrderWithQueuedConfirmation();
    armPausePoint("relay_after_publish", { ms: 0, crash: true, scope: message.recipient });
    // retryMs 1: were the crash taken for a failed hand-over, the lease would be cut to 1 ms.
    await relayPending(relayPublisher(), { limit: 1000, retryMs: 1 });
    const leased = async () => (await db.$queryRaw<{ held: boolean }[]>`SELECT "leasedUntil" > now() + interval '20 seconds' AS held FROM "OutboxMessage" WHERE id = ${message.messageId} AND "sentAt" IS NULL`)[0]?.held ?? false;
    expect(await leased()).toBe(true);
    expect(await deliveriesOf(message.messageId)).toBe(1);
    await relayAll();
    expect(await deliveriesOf(message.messageId)).toBe(1);
    // The lease runs out (moved to the past: the test does not wait RELAY_LEASE_MS).
    await db.outboxMessage.update({ where: { id: message.messageId }, data: { leasedUntil: new Date(Date.now() - 1_000) } });
    await relayAll();
    expect(await db.outboxMessage.findUniqueOrThrow({ where: { id: message.messageId } })).toMatchObject({ sentAt: expect.any(Date), publishAttempts: 2 });
    expect(await deliveriesOf(message.messageId)).toBe(2);
    expect(await mailboxOf(orderId)).toBe(1);
  });

  it("lets concurrent relays claim disjoint rows: no row is handed over twice while its lease holds", async () => {
    const orders = await Promise.all(Array.from({ length: 6 }, () => paidOrderWithQueuedConfirmation()));
    const mine = new Set(orders.map((order) => order.message.messageId));
    const clients = Array.from({ length: 3 }, () => createDb(process.env.DATABASE_URL));
    const everyClaim: string[] = [];
    try {
      const all = (await Promise.all(clients.map((client) => claimBatch(client, 100)))).flat();
      everyClaim.push(...all.map((message) => message.messageId));
      const claimed = all.filter((message) => mine.has(message.messageId));
      expect(claimed.map((message) => message.messageId).sort()).toEqual([...mine].sort());
      // Claimed and leased: another relay finds none of them.
      const again = await claimBatch(db, 1000);
      everyClaim.push(...again.map((message) => message.messageId));
      expect(again.filter((message) => mine.has(message.messageId))).toEqual([]);
    } finally {
      // Other test files' rows were claimed too (tests share the database): give them back.
      await db.outboxMessage.updateMany({ where: { id: { in: everyClaim } }, data: { leasedUntil: null } });
      await Promise.all(clients.map((client) => client.$disconnect()));
    }
  });
});
