import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { useHarness, visaPayment } from "./helpers.ts";

describe("refunds", () => {
  const h = useHarness();

  it("refunds in full by default, marks the charge refunded and emits refund.created and charge.refunded", async () => {
    const pi = await h.stripe.paymentIntents.create(visaPayment("refund"));
    const refund = await h.stripe.refunds.create({ payment_intent: pi.id, metadata: { reason: "test" }, reason: "requested_by_customer" });
    expect(refund).toMatchObject({ object: "refund", amount: 2500, status: "succeeded", payment_intent: pi.id, charge: pi.latest_charge, metadata: { reason: "test" } });
    expect(refund.id).toMatch(/^re_/);
    expect(await h.stripe.refunds.retrieve(refund.id)).toEqual({ ...refund });
    expect(await h.stripe.charges.retrieve(pi.latest_charge as string)).toMatchObject({ amount_refunded: 2500, refunded: true });
    const types = (await h.stripe.events.list({ limit: 2 })).data.map((e) => e.type);
    expect(types.sort()).toEqual(["charge.refunded", "refund.created"]);

    const again = await h.stripe.refunds.create({ payment_intent: pi.id }).catch((e: unknown) => e);
    expect(again).toMatchObject({ type: "StripeInvalidRequestError", code: "charge_already_refunded" });
    expect((await h.stats({ "metadata[orderId]": "refund" })).refunds).toEqual({ count: 1, amount: 2500 });
  });

  it("refunds partially, by charge too, and never more than what is left", async () => {
    const pi = await h.stripe.paymentIntents.create(visaPayment("partial"));
    await h.stripe.refunds.create({ payment_intent: pi.id, amount: 1000 });
    await h.stripe.refunds.create({ charge: pi.latest_charge as string, amount: 1000 });
    const tooMuch = await h.stripe.refunds.create({ payment_intent: pi.id, amount: 1000 }).catch((e: unknown) => e);
    expect(tooMuch).toMatchObject({ statusCode: 400, code: "amount_too_large", param: "amount" });
    const rest = await h.stripe.refunds.create({ payment_intent: pi.id });
    expect(rest.amount).toBe(500);
    expect(await h.stripe.charges.retrieve(pi.latest_charge as string)).toMatchObject({ amount_refunded: 2500, refunded: true });
  });

  it("refuses to refund what was never paid, and unknown PaymentIntents", async () => {
    const unpaid = await h.stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    expect(await h.stripe.refunds.create({ payment_intent: unpaid.id }).catch((e: unknown) => e)).toMatchObject({ statusCode: 400 });
    expect(await h.stripe.refunds.create({ payment_intent: "pi_nope" }).catch((e: unknown) => e)).toMatchObject({
      statusCode: 400,
      code: "resource_missing",
      param: "payment_intent",
    });
    expect(await h.stripe.refunds.create({}).catch((e: unknown) => e)).toMatchObject({ code: "parameter_missing" });
    expect((await h.stats()).refunds.count).toBe(0);
  });

  it("is idempotent like any POST", async () => {
    const pi = await h.stripe.paymentIntents.create(visaPayment("refund-once"));
    const a = await h.stripe.refunds.create({ payment_intent: pi.id, amount: 500 }, { idempotencyKey: "refund-k" });
    const b = await h.stripe.refunds.create({ payment_intent: pi.id, amount: 500 }, { idempotencyKey: "refund-k" });
    expect(b.id).toBe(a.id);
    expect((await h.stats({ "metadata[orderId]": "refund-once" })).refunds).toEqual({ count: 1, amount: 500 });
  });
});

describe("events", () => {
  const h = useHarness();

  it("lists newest first with limit, type filters and cursor pagination; retrieves by id", async () => {
    for (const orderId of ["e1", "e2", "e3"]) await h.stripe.paymentIntents.create(visaPayment(orderId));
    const page = await h.stripe.events.list({ limit: 4 });
    expect(page).toMatchObject({ object: "list", has_more: true, url: "/v1/events" });
    expect(page.data).toHaveLength(4);
    expect(page.data[0]).toMatchObject({ type: "payment_intent.succeeded", data: { object: { metadata: { orderId: "e3" } } } });

    const all = await h.stripe.events.list({ limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(all).toHaveLength(9);
    expect(new Set(all.map((e) => e.id)).size).toBe(9);

    const succeeded = await h.stripe.events.list({ type: "payment_intent.succeeded" });
    expect(succeeded.data.map((e) => (e.data.object as Stripe.PaymentIntent).metadata.orderId)).toEqual(["e3", "e2", "e1"]);
    expect((await h.stripe.events.list({ type: "payment_intent.*" })).data).toHaveLength(6);
    expect((await h.stripe.events.list({ types: ["charge.succeeded"] })).data).toHaveLength(3);

    const before = await h.stripe.events.list({ ending_before: all[8]?.id, limit: 2 });
    expect(before.data.map((e) => e.id)).toEqual([all[6]?.id, all[7]?.id]);

    const one = await h.stripe.events.retrieve(all[0]?.id as string);
    expect(one).toEqual({ ...all[0] });
    expect(await h.stripe.events.retrieve("evt_nope").catch((e: unknown) => e)).toMatchObject({ statusCode: 404, code: "resource_missing" });
    expect(await h.stripe.events.list({ limit: 1000 }).catch((e: unknown) => e)).toMatchObject({ statusCode: 400, param: "limit" });
  });

  it("snapshots objects: an event keeps the state at the time it happened", async () => {
    const pi = await h.stripe.paymentIntents.create({ amount: 1000, currency: "usd" });
    await h.stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa" });
    const [created] = (await h.stripe.events.list({ type: "payment_intent.created" })).data;
    expect((created?.data.object as Stripe.PaymentIntent).status).toBe("requires_payment_method");
  });
});
