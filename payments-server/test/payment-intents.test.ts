import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { eventually, SECRET, useHarness, useReceiver, visaPayment } from "./helpers.ts";

describe("PaymentIntents", () => {
  const receiver = useReceiver();
  const h = useHarness();

  it("creates and confirms with pm_card_visa in one call, with Stripe's object shape", async () => {
    const pi = await h.stripe.paymentIntents.create(visaPayment("order-1", { description: "Order 1" }));
    expect(pi).toMatchObject({
      object: "payment_intent",
      amount: 2500,
      amount_received: 2500,
      currency: "usd",
      status: "succeeded",
      livemode: false,
      payment_method: "pm_card_visa",
      metadata: { orderId: "order-1" },
      description: "Order 1",
      last_payment_error: null,
    });
    expect(pi.id).toMatch(/^pi_\w{24}$/);
    expect(pi.client_secret).toMatch(new RegExp(`^${pi.id}_secret_`));
    expect(Math.abs(pi.created - Date.now() / 1000)).toBeLessThan(5);
    expect(pi.lastResponse.requestId).toMatch(/^req_/);

    const charge = await h.stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ object: "charge", status: "succeeded", paid: true, captured: true, amount_captured: 2500, payment_intent: pi.id });
    expect(charge.id).toMatch(/^ch_/);
    expect(await h.stripe.paymentIntents.retrieve(pi.id)).toEqual({ ...pi });
  });

  it("confirms separately, and refuses a second confirmation with payment_intent_unexpected_state", async () => {
    const pi = await h.stripe.paymentIntents.create({ amount: 1000, currency: "EUR", automatic_payment_methods: { enabled: true, allow_redirects: "never" } });
    expect(pi).toMatchObject({ status: "requires_payment_method", currency: "eur", automatic_payment_methods: { enabled: true, allow_redirects: "never" } });
    const confirmed = await h.stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_mastercard" });
    expect(confirmed.status).toBe("succeeded");
    const again = await h.stripe.paymentIntents.confirm(pi.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(again).toMatchObject({ statusCode: 400, code: "payment_intent_unexpected_state", payment_intent: { id: pi.id, status: "succeeded" } });
  });

  it.each([
    ["pm_card_chargeDeclined", "card_declined", "generic_decline"],
    ["pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"],
    ["pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"],
  ])("%s is declined with a StripeCardError (%s / %s), as in Stripe test mode", async (pm, code, declineCode) => {
    const error = await h.stripe.paymentIntents.create(visaPayment("declined", { payment_method: pm })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    const card = error as Stripe.errors.StripeCardError;
    expect(card).toMatchObject({ statusCode: 402, rawType: "card_error", code, decline_code: declineCode });
    expect(card.charge).toMatch(/^ch_/);
    const pi = card.payment_intent as Stripe.PaymentIntent;
    expect(pi).toMatchObject({ status: "requires_payment_method", payment_method: null, latest_charge: card.charge });
    expect(pi.last_payment_error).toMatchObject({ type: "card_error", code, decline_code: declineCode, payment_method: { id: pm } });
    expect(await h.stripe.charges.retrieve(card.charge as string)).toMatchObject({ status: "failed", failure_code: code });

    // The customer may try another card on the same PaymentIntent.
    expect((await h.stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa" })).status).toBe("succeeded");
    const stats = await h.stats({ metadataKey: "orderId", metadataValue: "declined" });
    expect(stats.charges).toMatchObject({ created: 2, failed: 1, succeeded: 1 });
    expect(stats.capturedAmount).toBe(2500);
  });

  it("rejects an unknown payment method with resource_missing and creates nothing", async () => {
    const error = await h.stripe.paymentIntents.create(visaPayment("x", { payment_method: "pm_card_unknown" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, code: "resource_missing", param: "payment_method" });
    expect((await h.stats()).paymentIntents.created).toBe(0);
  });

  it("answers 404 resource_missing for an unknown PaymentIntent", async () => {
    const error = await h.stripe.paymentIntents.retrieve("pi_missing").catch((e: unknown) => e);
    expect(error).toMatchObject({ type: "StripeInvalidRequestError", statusCode: 404, code: "resource_missing" });
  });

  it.each([
    ["pm_test_delayed_success", "payment_intent.succeeded", "succeeded"],
    ["pm_test_delayed_failure", "payment_intent.payment_failed", "requires_payment_method"],
  ])("%s stays processing and settles later, announced only by webhook (%s)", async (pm, eventType, finalStatus) => {
    await h.control("POST", "/_test/config", { webhookUrl: receiver.url });
    const pi = await h.stripe.paymentIntents.create(visaPayment("delayed", { payment_method: pm }));
    expect(pi.status).toBe("processing");

    const delivery = await eventually(() => receiver.deliveries.find((d) => d.event.type === eventType));
    const event = Stripe.webhooks.constructEvent(delivery.body, delivery.headers["stripe-signature"] as string, SECRET);
    expect(event.data.object).toMatchObject({ id: pi.id, status: finalStatus, metadata: { orderId: "delayed" } });
    // Settlement is not caused by any API request.
    expect(event.request).toEqual({ id: null, idempotency_key: null });
    expect((await h.stripe.paymentIntents.retrieve(pi.id)).status).toBe(finalStatus);
    const types = receiver.deliveries.map((d) => d.event.type);
    expect(types).toEqual(expect.arrayContaining(["payment_intent.processing", "charge.pending"]));
  });

  it("settles a processing PaymentIntent on demand through the test API", async () => {
    await h.control("POST", "/_test/config", { asyncSettleDelayMs: 60_000 });
    const pi = await h.stripe.paymentIntents.create(visaPayment("forced", { payment_method: "pm_test_delayed_success" }));
    const settled = await h.control("POST", `/_test/payment_intents/${pi.id}/settle`, { outcome: "failed" });
    expect(settled.body).toMatchObject({ id: pi.id, status: "requires_payment_method", last_payment_error: { decline_code: "generic_decline" } });
  });
});
