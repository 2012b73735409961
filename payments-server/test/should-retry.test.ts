import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { eventually, useHarness, visaPayment } from "./helpers.ts";

const FORM = "amount=2500&currency=usd&payment_method=pm_card_visa&confirm=true&metadata[orderId]=retry";

/**
 * Stripe-Should-Retry tells clients whether a retry can help, and the SDK obeys it before its own rules by status
 * (stripe-node RequestSender._shouldRetry): true on a 409 in flight and a 503 before executing, false on a saved 500.
 */
describe("Stripe-Should-Retry", () => {
  const h = useHarness();
  const fault = (idempotencyKey: string, fault: Record<string, unknown>, times = 1) =>
    h.control("POST", "/_test/faults", { match: { idempotencyKey }, fault, times });

  it("is sent where Stripe sends it, and only there", async () => {
    await fault("k-503", { kind: "unavailable_before" });
    expect((await h.post("/v1/payment_intents", FORM, { "Idempotency-Key": "k-503" })).headers.get("stripe-should-retry")).toBe("true");

    await fault("k-409", { kind: "delay_while_executing", ms: 400 });
    const first = h.post("/v1/payment_intents", FORM, { "Idempotency-Key": "k-409" });
    await eventually(async () => (await h.control("GET", "/_test/faults")).body.data.some((r: { applied: number; fault: { kind: string } }) => r.fault.kind === "delay_while_executing" && r.applied === 1));
    const conflict = await h.post("/v1/payment_intents", FORM, { "Idempotency-Key": "k-409" });
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get("stripe-should-retry")).toBe("true");
    expect((await first).headers.get("stripe-should-retry")).toBeNull();

    await fault("k-500", { kind: "error_while_executing" });
    const saved = await h.post("/v1/payment_intents", FORM, { "Idempotency-Key": "k-500" });
    const replayed = await h.post("/v1/payment_intents", FORM, { "Idempotency-Key": "k-500" });
    expect([saved.status, saved.headers.get("stripe-should-retry")]).toEqual([500, "false"]);
    expect([replayed.status, replayed.headers.get("stripe-should-retry"), replayed.headers.get("idempotent-replayed")]).toEqual([500, "false", "true"]);

    const invalid = await h.post("/v1/payment_intents", "amount=-1&currency=usd");
    expect([invalid.status, invalid.headers.get("stripe-should-retry")]).toEqual([400, null]);
  });

  it("true on a 503: the SDK retries with the same key and the payment is made once", async () => {
    await fault("k-503-sdk", { kind: "unavailable_before" }, 2);
    const pi = await h.client({ maxNetworkRetries: 2 }).paymentIntents.create(visaPayment("retry-503"), { idempotencyKey: "k-503-sdk" });
    expect(pi.status).toBe("succeeded");
    expect((await h.stats({ idempotencyKey: "k-503-sdk" })).requests).toMatchObject({ unavailable: 2, executed: 1, total: 3 });
  });

  it("true on a 409 in flight: the SDK retries until the first request is done, then gets its answer", async () => {
    await fault("k-409-sdk", { kind: "delay_while_executing", ms: 300 });
    const stripe = h.client({ maxNetworkRetries: 3 });
    const first = stripe.paymentIntents.create(visaPayment("retry-409"), { idempotencyKey: "k-409-sdk" });
    await eventually(async () => (await h.control("GET", "/_test/faults")).body.data[0].applied === 1);
    const second = await stripe.paymentIntents.create(visaPayment("retry-409"), { idempotencyKey: "k-409-sdk" });
    expect(second.id).toBe((await first).id);
    expect(second.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect((await h.stats({ idempotencyKey: "k-409-sdk" })).requests).toMatchObject({ executed: 1, replayed: 1, conflict: 1 });
  });

  it("false on a saved 500: the SDK does not retry, though it retries other 5xx by default", async () => {
    await fault("k-500-sdk", { kind: "error_while_executing" });
    const error = await h.client({ maxNetworkRetries: 2 }).paymentIntents.create(visaPayment("retry-500"), { idempotencyKey: "k-500-sdk" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect((await h.stats({ idempotencyKey: "k-500-sdk" })).requests).toMatchObject({ executed: 1, replayed: 0, total: 1 });
  });
});

describe("GET /_test/ledger", () => {
  const h = useHarness();

  it("exports every PaymentIntent, charge, refund and event, oldest first", async () => {
    const a = await h.stripe.paymentIntents.create(visaPayment("l1"));
    const b = await h.stripe.paymentIntents.create(visaPayment("l2", { capture_method: "manual" }));
    const refund = await h.stripe.refunds.create({ payment_intent: a.id, amount: 100 });
    const { status, body } = await h.control("GET", "/_test/ledger");
    expect(status).toBe(200);
    expect(body.paymentIntents.map((pi: Stripe.PaymentIntent) => [pi.id, pi.status])).toEqual([[a.id, "succeeded"], [b.id, "requires_capture"]]);
    expect(body.charges.map((c: Stripe.Charge) => c.id)).toEqual([a.latest_charge, b.latest_charge]);
    const { lastResponse: _, ...refundBody } = refund;
    expect(body.refunds).toEqual([refundBody]);
    const events = (await h.stripe.events.list({ limit: 100 })).data.map((e) => e.id).reverse();
    expect(body.events.map((e: Stripe.Event) => e.id)).toEqual(events);
  });
});
