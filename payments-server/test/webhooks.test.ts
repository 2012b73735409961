import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { eventually, SECRET, sleep, startHarness, startReceiver, useHarness, useReceiver, visaPayment } from "./helpers.ts";

const signature = (d: { headers: Record<string, unknown> }) => d.headers["stripe-signature"] as string;

describe("webhook events and signatures", () => {
  const receiver = useReceiver();
  const h = useHarness();

  it("delivers every state change as a signed Stripe event that constructEvent verifies", async () => {
    await h.control("POST", "/_test/config", { webhookUrl: receiver.url });
    const pi = await h.stripe.paymentIntents.create(visaPayment("signed"), { idempotencyKey: "k-signed" });
    await eventually(() => receiver.deliveries.length === 3);
    const events = receiver.deliveries.map((d) => Stripe.webhooks.constructEvent(d.body, signature(d), SECRET));
    expect(events.map((e) => e.type).sort()).toEqual(["charge.succeeded", "payment_intent.created", "payment_intent.succeeded"]);
    const succeeded = events.find((e) => e.type === "payment_intent.succeeded") as Stripe.PaymentIntentSucceededEvent;
    expect(succeeded).toMatchObject({
      object: "event",
      api_version: Stripe.API_VERSION,
      livemode: false,
      pending_webhooks: 1,
      request: { id: pi.lastResponse.requestId, idempotency_key: "k-signed" },
      data: { object: { id: pi.id, status: "succeeded", metadata: { orderId: "signed" }, latest_charge: pi.latest_charge } },
    });
    expect(succeeded.id).toMatch(/^evt_/);
    expect(receiver.deliveries[0]?.headers["content-type"]).toMatch(/^application\/json/);
    // The event list has them too, and the delivered copy has been acknowledged.
    const listed = await h.stripe.events.retrieve(succeeded.id);
    expect(listed.pending_webhooks).toBe(0);
  });

  it("a tampered body, a wrong secret or an old timestamp fail verification", async () => {
    await h.control("POST", "/_test/config", { webhookUrl: receiver.url });
    await h.stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    const d = await eventually(() => receiver.deliveries[0]);
    const header = signature(d);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(() => Stripe.webhooks.constructEvent(d.body.replace('"amount": 1000', '"amount": 1'), header, SECRET)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    expect(() => Stripe.webhooks.constructEvent(d.body, header, "whsec_other")).toThrow(Stripe.errors.StripeSignatureVerificationError);
    const tenMinutesLater = Date.now() + 10 * 60 * 1000;
    expect(() => Stripe.webhooks.constructEvent(d.body, header, SECRET, undefined, undefined, tenMinutesLater)).toThrow(/tolerance/);
  });

  it("without a webhook URL nothing is delivered and events are still listed", async () => {
    const pi = await h.stripe.paymentIntents.create(visaPayment("quiet"));
    await sleep(30);
    expect(receiver.deliveries).toHaveLength(0);
    const list = await h.stripe.events.list({ limit: 10 });
    expect(list.data.map((e) => e.type)).toEqual(["payment_intent.succeeded", "charge.succeeded", "payment_intent.created"]);
    expect(list.data[0]).toMatchObject({ pending_webhooks: 0, data: { object: { id: pi.id } } });
  });

  it("stale or out-of-order events can be injected; the PaymentIntent itself does not change", async () => {
    await h.control("POST", "/_test/config", { webhookUrl: receiver.url });
    const pi = await h.stripe.paymentIntents.create(visaPayment("stale"));
    await eventually(() => receiver.deliveries.length === 3);
    const { status, body: injected } = await h.control("POST", "/_test/events", {
      type: "payment_intent.payment_failed",
      paymentIntent: pi.id,
      createdOffsetSec: -60,
    });
    expect(status).toBe(200);
    const d = await eventually(() => receiver.deliveries.find((x) => x.event.id === injected.id));
    const event = Stripe.webhooks.constructEvent(d.body, signature(d), SECRET) as Stripe.PaymentIntentPaymentFailedEvent;
    expect(event.data.object).toMatchObject({ id: pi.id, status: "requires_payment_method", last_payment_error: { decline_code: "generic_decline" } });
    expect(event.created).toBeLessThan(pi.created);
    expect((await h.stripe.paymentIntents.retrieve(pi.id)).status).toBe("succeeded");
    expect((await h.stripe.events.retrieve(injected.id)).type).toBe("payment_intent.payment_failed");

    const bad = await h.control("POST", "/_test/events", { type: "payment_intent.exploded", paymentIntent: pi.id });
    expect(bad.status).toBe(400);
  });

  it("redelivers an event on demand", async () => {
    await h.control("POST", "/_test/config", { webhookUrl: receiver.url });
    await h.stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    const first = await eventually(() => receiver.deliveries[0]);
    const { body } = await h.control("POST", `/_test/events/${first.event.id}/redeliver`, { copies: 3 });
    expect(body).toEqual({ event: first.event.id, deliveries: 3 });
    await eventually(() => receiver.deliveries.length === 4);
    expect(receiver.deliveries.every((d) => d.event.id === first.event.id)).toBe(true);
    // Each attempt is signed afresh.
    expect(receiver.deliveries.every((d) => Stripe.webhooks.constructEvent(d.body, signature(d), SECRET))).toBe(true);
  });
});

describe("webhook delivery shaping", () => {
  const h = useHarness();

  it("copies, concurrent and shuffled, for matching events only", async () => {
    const receiver = await startReceiver(async () => {
      await sleep(20);
      return 200;
    });
    try {
      await h.control("POST", "/_test/config", { webhookUrl: receiver.url });
      const { body: rule } = await h.control("POST", "/_test/webhooks", { match: { metadata: { orderId: "dup" } }, copies: 5, concurrent: true, shuffle: true });
      expect(rule).toMatchObject({ copies: 5, concurrent: true, shuffle: true, remaining: null });
      await h.stripe.paymentIntents.create(visaPayment("dup"));
      await eventually(() => receiver.deliveries.length === 15);
      const counts = new Map<string, number>();
      for (const d of receiver.deliveries) counts.set(d.event.id, (counts.get(d.event.id) ?? 0) + 1);
      expect([...counts.values()]).toEqual([5, 5, 5]);
      expect(receiver.maxInFlight).toBeGreaterThan(1);
      // 15!/(5!^3) orders are possible; the grouped creation order is one of them.
      const types = receiver.deliveries.map((d) => d.event.type);
      const grouped = [...Array(5).fill("payment_intent.created"), ...Array(5).fill("charge.succeeded"), ...Array(5).fill("payment_intent.succeeded")];
      expect(types).not.toEqual(grouped);

      await h.stripe.paymentIntents.create(visaPayment("single"));
      await eventually(() => receiver.deliveries.length === 18);
      await sleep(30);
      expect(receiver.deliveries).toHaveLength(18);
      const stats = await h.stats({ "metadata[orderId]": "dup" });
      expect(stats.webhooks).toMatchObject({ attempted: 15, succeeded: 15 });
    } finally {
      await receiver.close();
    }
  });

  it("sequential delivery, delayed, with injected stale events", async () => {
    const receiver = await startReceiver(async () => {
      await sleep(5);
      return 200;
    });
    try {
      await h.control("POST", "/_test/config", { webhookUrl: receiver.url });
      await h.control("POST", "/_test/webhooks", { copies: 2, concurrent: false, delayMs: 100, extraEvents: ["payment_intent.payment_failed"], times: 1 });
      const before = Date.now();
      const pi = await h.stripe.paymentIntents.create(visaPayment("seq"));
      await eventually(() => receiver.deliveries.length === 8);
      expect(receiver.maxInFlight).toBe(1);
      expect(Math.min(...receiver.deliveries.map((d) => d.at)) - before).toBeGreaterThanOrEqual(90);
      const stale = receiver.deliveries.filter((d) => d.event.type === "payment_intent.payment_failed");
      expect(stale).toHaveLength(2);
      expect(stale[0]?.event.data.object).toMatchObject({ id: pi.id, status: "requires_payment_method" });
      const { body } = await h.control("GET", "/_test/webhooks");
      expect(body.data[0]).toMatchObject({ applied: 1, remaining: 0 });
    } finally {
      await receiver.close();
    }
  });
});

describe("webhook retries", () => {
  it("retries a failing endpoint with exponential backoff until it answers 2xx", async () => {
    const receiver = await startReceiver((_d, n) => (n <= 2 ? 500 : 200));
    const h = await startHarness({ webhookUrl: receiver.url, webhookRetryBaseMs: 40 });
    try {
      const pi = await h.stripe.paymentIntents.create({ amount: 1000, currency: "usd", metadata: { orderId: "retry" } });
      await eventually(() => receiver.deliveries.length === 3);
      const [a, b, c] = receiver.deliveries.map((d) => d.at) as [number, number, number];
      expect(b - a).toBeGreaterThanOrEqual(35);
      expect(c - b).toBeGreaterThanOrEqual(75);
      expect(new Set(receiver.deliveries.map((d) => d.event.id)).size).toBe(1);
      const stats = await h.stats({ paymentIntent: pi.id });
      expect(stats.webhooks).toMatchObject({ attempted: 3, succeeded: 1, failed: 2 });
      await sleep(100);
      expect(receiver.deliveries).toHaveLength(3);
    } finally {
      await h.server.close();
      await receiver.close();
    }
  });

  it("gives up after the bounded number of attempts when the endpoint is unreachable", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/hook`;
    await new Promise((resolve) => closed.close(resolve));
    const h = await startHarness({ webhookUrl: url, webhookRetryBaseMs: 5, webhookMaxAttempts: 3 });
    try {
      const pi = await h.stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
      const stats = await eventually(async () => {
        const s = await h.stats({ paymentIntent: pi.id });
        return s.webhooks.attempted === 3 ? s : undefined;
      });
      await sleep(50);
      expect((await h.stats({ paymentIntent: pi.id })).webhooks).toMatchObject({ attempted: 3, succeeded: 0, failed: 3 });
      expect(stats.events).toBe(1);
    } finally {
      await h.server.close();
    }
  });

  it("never holds up the API answer, even when the endpoint hangs", async () => {
    let release = () => {};
    const hanging = new Promise<number>((resolve) => (release = () => resolve(200)));
    const receiver = await startReceiver(() => hanging);
    const h = await startHarness({ webhookUrl: receiver.url });
    try {
      const started = Date.now();
      await h.stripe.paymentIntents.create(visaPayment("hang"));
      expect(Date.now() - started).toBeLessThan(1000);
      await eventually(() => receiver.deliveries.length === 3);
    } finally {
      release();
      await h.server.close();
      await receiver.close();
    }
  });
});
