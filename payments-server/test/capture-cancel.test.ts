import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { eventually, SECRET, useHarness, useReceiver, visaPayment } from "./helpers.ts";

const manual = (orderId: string, extra: Partial<Stripe.PaymentIntentCreateParams> = {}) => visaPayment(orderId, { capture_method: "manual", ...extra });

describe("manual capture", () => {
  const receiver = useReceiver();
  const h = useHarness();

  it("holds the amount (requires_capture, amount_capturable), captures it, and announces both by webhook", async () => {
    await h.control("POST", "/_test/config", { webhookUrl: receiver.url });
    const held = await h.stripe.paymentIntents.create(manual("hold"));
    expect(held).toMatchObject({ status: "requires_capture", capture_method: "manual", amount_capturable: 2500, amount_received: 0 });
    expect(await h.stripe.charges.retrieve(held.latest_charge as string)).toMatchObject({
      status: "succeeded",
      paid: true,
      captured: false,
      amount_captured: 0,
      balance_transaction: null,
    });
    const capturable = await eventually(() => receiver.deliveries.find((d) => d.event.type === "payment_intent.amount_capturable_updated"));
    const event = Stripe.webhooks.constructEvent(capturable.body, capturable.headers["stripe-signature"] as string, SECRET);
    expect(event.data.object).toMatchObject({ id: held.id, status: "requires_capture", amount_capturable: 2500 });

    const captured = await h.stripe.paymentIntents.capture(held.id);
    expect(captured).toMatchObject({ status: "succeeded", amount_capturable: 0, amount_received: 2500 });
    expect(await h.stripe.charges.retrieve(held.latest_charge as string)).toMatchObject({ captured: true, amount_captured: 2500, amount_refunded: 0 });
    await eventually(() => receiver.deliveries.some((d) => d.event.type === "charge.captured"));
    await eventually(() => receiver.deliveries.some((d) => d.event.type === "payment_intent.succeeded"));
    expect((await h.stats({ "metadata[orderId]": "hold" })).capturedAmount).toBe(2500);
  });

  it("captures part of the hold; the rest is released and only the captured part can be refunded", async () => {
    const held = await h.stripe.paymentIntents.create(manual("partial"));
    const captured = await h.stripe.paymentIntents.capture(held.id, { amount_to_capture: 1500 });
    expect(captured).toMatchObject({ status: "succeeded", amount_received: 1500, amount_capturable: 0 });
    expect(await h.stripe.charges.retrieve(held.latest_charge as string)).toMatchObject({ amount_captured: 1500, amount_refunded: 1000, refunded: false });
    const refund = await h.stripe.refunds.create({ payment_intent: held.id });
    expect(refund.amount).toBe(1500);
    expect(await h.stripe.charges.retrieve(held.latest_charge as string)).toMatchObject({ amount_refunded: 2500, refunded: true });
  });

  it("refuses to capture more than the hold, or a PaymentIntent that holds nothing", async () => {
    const held = await h.stripe.paymentIntents.create(manual("too-much"));
    const tooMuch = await h.stripe.paymentIntents.capture(held.id, { amount_to_capture: 2501 }).catch((e: unknown) => e);
    expect(tooMuch).toMatchObject({ statusCode: 400, code: "amount_too_large", param: "amount_to_capture" });
    const automatic = await h.stripe.paymentIntents.create(visaPayment("automatic"));
    const notHeld = await h.stripe.paymentIntents.capture(automatic.id).catch((e: unknown) => e);
    expect(notHeld).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(notHeld).toMatchObject({
      statusCode: 400,
      code: "payment_intent_unexpected_state",
      message: expect.stringMatching(/could not be captured because it has a status of succeeded.*may be captured: requires_capture/),
      payment_intent: { id: automatic.id, status: "succeeded" },
    });
    expect(await h.stripe.paymentIntents.capture("pi_missing").catch((e: unknown) => e)).toMatchObject({ statusCode: 404, code: "resource_missing" });
    expect((await h.stripe.paymentIntents.retrieve(held.id)).status).toBe("requires_capture");
  });

  it("a delayed method with manual capture settles into requires_capture, not succeeded", async () => {
    await h.control("POST", "/_test/config", { asyncSettleDelayMs: 60_000 });
    const pi = await h.stripe.paymentIntents.create(manual("delayed", { payment_method: "pm_test_delayed_success" }));
    expect(pi.status).toBe("processing");
    const settled = await h.control("POST", `/_test/payment_intents/${pi.id}/settle`, {});
    expect(settled.body).toMatchObject({ status: "requires_capture", amount_capturable: 2500 });
  });
});

describe("cancel", () => {
  const receiver = useReceiver();
  const h = useHarness();

  it("cancels a PaymentIntent awaiting payment, with a reason and a payment_intent.canceled webhook", async () => {
    await h.control("POST", "/_test/config", { webhookUrl: receiver.url });
    const pi = await h.stripe.paymentIntents.create({ amount: 1000, currency: "usd", metadata: { orderId: "cancel" } });
    const canceled = await h.stripe.paymentIntents.cancel(pi.id, { cancellation_reason: "requested_by_customer" });
    expect(canceled).toMatchObject({ status: "canceled", cancellation_reason: "requested_by_customer", amount_capturable: 0 });
    expect(Math.abs((canceled.canceled_at ?? 0) - Date.now() / 1000)).toBeLessThan(5);
    const delivery = await eventually(() => receiver.deliveries.find((d) => d.event.type === "payment_intent.canceled"));
    expect(delivery.event.data.object).toMatchObject({ id: pi.id, status: "canceled" });
    // Nothing more can happen to it.
    const confirm = await h.stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa" }).catch((e: unknown) => e);
    expect(confirm).toMatchObject({ statusCode: 400, code: "payment_intent_unexpected_state" });
  });

  it("releases a hold: the charge shows refunded, nothing was captured", async () => {
    const held = await h.stripe.paymentIntents.create(manual("release"));
    const canceled = await h.stripe.paymentIntents.cancel(held.id);
    expect(canceled).toMatchObject({ status: "canceled", cancellation_reason: null, amount_capturable: 0, amount_received: 0 });
    expect(await h.stripe.charges.retrieve(held.latest_charge as string)).toMatchObject({ captured: false, amount_refunded: 2500, refunded: true });
    expect((await h.stats({ "metadata[orderId]": "release" })).capturedAmount).toBe(0);
    const types = (await h.stripe.events.list({ limit: 2 })).data.map((e) => e.type);
    expect(types.sort()).toEqual(["charge.refunded", "payment_intent.canceled"]);
  });

  it("refuses a succeeded or already canceled PaymentIntent, and an unknown reason", async () => {
    const paid = await h.stripe.paymentIntents.create(visaPayment("paid"));
    const error = await h.stripe.paymentIntents.cancel(paid.id).catch((e: unknown) => e);
    expect(error).toMatchObject({
      statusCode: 400,
      code: "payment_intent_unexpected_state",
      message: expect.stringMatching(/^You cannot cancel this PaymentIntent because it has a status of succeeded/),
    });
    const pi = await h.stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    await h.stripe.paymentIntents.cancel(pi.id);
    expect(await h.stripe.paymentIntents.cancel(pi.id).catch((e: unknown) => e)).toMatchObject({ code: "payment_intent_unexpected_state" });
    const badReason = await h.stripe.paymentIntents.cancel(pi.id, { cancellation_reason: "bored" as "abandoned" }).catch((e: unknown) => e);
    expect(badReason).toMatchObject({ statusCode: 400, param: "cancellation_reason" });
  });
});

describe("cancel and capture are idempotent by Stripe's rules", () => {
  const h = useHarness();

  it("a repeated capture with the same key replays the answer and captures once; other parameters are refused", async () => {
    const held = await h.stripe.paymentIntents.create(manual("capture-once"));
    const first = await h.stripe.paymentIntents.capture(held.id, { amount_to_capture: 2000 }, { idempotencyKey: "capture-k" });
    const again = await h.stripe.paymentIntents.capture(held.id, { amount_to_capture: 2000 }, { idempotencyKey: "capture-k" });
    expect(again.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(again.lastResponse.headers["original-request"]).toBe(first.lastResponse.requestId);
    expect({ ...again, lastResponse: undefined }).toEqual({ ...first, lastResponse: undefined });
    const other = await h.stripe.paymentIntents.capture(held.id, { amount_to_capture: 1000 }, { idempotencyKey: "capture-k" }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    const stats = await h.stats({ "metadata[orderId]": "capture-once" });
    expect(stats.capturedAmount).toBe(2000);
    expect(stats.requests.byIdempotencyKey["capture-k"]).toMatchObject({ executed: 1, replayed: 1, mismatch: 1 });
    expect((await h.stripe.events.list({ type: "charge.captured" })).data).toHaveLength(1);
  });

  it("a repeated cancel with the same key replays the cancellation; without a key the second one is refused", async () => {
    const pi = await h.stripe.paymentIntents.create({ amount: 1000, currency: "usd", metadata: { orderId: "cancel-once" } });
    const first = await h.stripe.paymentIntents.cancel(pi.id, { cancellation_reason: "duplicate" }, { idempotencyKey: "cancel-k" });
    const again = await h.stripe.paymentIntents.cancel(pi.id, { cancellation_reason: "duplicate" }, { idempotencyKey: "cancel-k" });
    expect(again.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(again.canceled_at).toBe(first.canceled_at);
    expect((await h.stripe.events.list({ type: "payment_intent.canceled" })).data).toHaveLength(1);
    const unkeyed = await h.stripe.paymentIntents.cancel(pi.id, { cancellation_reason: "duplicate" }).catch((e: unknown) => e);
    expect(unkeyed).toMatchObject({ code: "payment_intent_unexpected_state" });
  });

  it("a refusal decided while executing is saved and replayed too", async () => {
    const paid = await h.stripe.paymentIntents.create(visaPayment("refused"));
    const first = await h.stripe.paymentIntents.cancel(paid.id, {}, { idempotencyKey: "refused-k" }).catch((e: unknown) => e);
    const again = await h.stripe.paymentIntents.cancel(paid.id, {}, { idempotencyKey: "refused-k" }).catch((e: unknown) => e);
    expect(first).toMatchObject({ statusCode: 400, code: "payment_intent_unexpected_state" });
    expect(again).toMatchObject({ statusCode: 400, code: "payment_intent_unexpected_state", headers: expect.objectContaining({ "idempotent-replayed": "true" }) });
  });
});

describe("GET /v1/charges and GET /v1/refunds", () => {
  const h = useHarness();

  it("list newest first, by payment_intent and charge, with Stripe's pagination", async () => {
    const a = await h.stripe.paymentIntents.create(visaPayment("a"));
    const declined = (await h.stripe.paymentIntents.create(visaPayment("b", { payment_method: "pm_card_chargeDeclined" })).catch((e: unknown) => e)) as Stripe.errors.StripeCardError;
    const b = await h.stripe.paymentIntents.confirm((declined.payment_intent as Stripe.PaymentIntent).id, { payment_method: "pm_card_visa" });
    const charges = await h.stripe.charges.list();
    expect(charges).toMatchObject({ object: "list", url: "/v1/charges", has_more: false });
    expect(charges.data.map((c) => [c.payment_intent, c.status])).toEqual([[b.id, "succeeded"], [b.id, "failed"], [a.id, "succeeded"]]);
    expect((await h.stripe.charges.list({ payment_intent: b.id })).data.map((c) => c.status)).toEqual(["succeeded", "failed"]);
    const page = await h.stripe.charges.list({ limit: 1, starting_after: charges.data[0]?.id });
    expect({ ids: page.data.map((c) => c.id), has_more: page.has_more }).toEqual({ ids: [charges.data[1]?.id], has_more: true });
    expect(await h.stripe.charges.list({ limit: 1 }).autoPagingToArray({ limit: 10 }).then((all) => all.length)).toBe(3);

    const r1 = await h.stripe.refunds.create({ payment_intent: a.id, amount: 100 });
    const r2 = await h.stripe.refunds.create({ payment_intent: b.id, amount: 200 });
    const r3 = await h.stripe.refunds.create({ charge: a.latest_charge as string, amount: 300 });
    const refunds = await h.stripe.refunds.list();
    expect(refunds).toMatchObject({ object: "list", url: "/v1/refunds", has_more: false });
    expect(refunds.data.map((r) => r.id)).toEqual([r3.id, r2.id, r1.id]);
    expect((await h.stripe.refunds.list({ payment_intent: a.id })).data.map((r) => r.id)).toEqual([r3.id, r1.id]);
    expect((await h.stripe.refunds.list({ charge: b.latest_charge as string })).data.map((r) => r.id)).toEqual([r2.id]);
    expect((await h.stripe.refunds.list({ limit: 2, ending_before: r1.id })).data.map((r) => r.id)).toEqual([r3.id, r2.id]);
    expect(await h.stripe.refunds.list({ limit: 0 }).catch((e: unknown) => e)).toMatchObject({ statusCode: 400, param: "limit" });
    expect(await h.stripe.charges.list({ starting_after: "ch_unknown" }).catch((e: unknown) => e)).toMatchObject({ statusCode: 400, code: "resource_missing" });
  });
});
