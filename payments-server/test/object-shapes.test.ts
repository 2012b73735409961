import Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { useHarness, visaPayment } from "./helpers.ts";
import { loadSdkTypes, type SdkTypes, type ShapeName } from "./sdk-types.ts";

let types: SdkTypes;
beforeAll(() => {
  types = loadSdkTypes();
}, 120_000);

/** The JSON the server sent, without the SDK's lastResponse. */
function body<T extends object>(answer: T): Omit<T, "lastResponse"> {
  const { lastResponse: _, ...rest } = answer as T & { lastResponse?: unknown };
  return rest;
}

describe("every object has the fields the SDK declares, of the declared types", () => {
  const h = useHarness({ asyncSettleDelayMs: 60_000 });

  /** One of every state the server can put a PaymentIntent, a Charge, a Refund and an Event in. */
  async function everyState(): Promise<{ declineError: Stripe.errors.StripeCardError }> {
    const s = h.stripe;
    const paid = await s.paymentIntents.create(visaPayment("paid"));
    await s.refunds.create({ payment_intent: paid.id, amount: 500, reason: "requested_by_customer", metadata: { why: "test" } });
    const declineError = (await s.paymentIntents.create(visaPayment("declined", { payment_method: "pm_card_chargeDeclinedExpiredCard" })).catch((e: unknown) => e)) as Stripe.errors.StripeCardError;
    await s.paymentIntents.create({ amount: 1000, currency: "usd", automatic_payment_methods: { enabled: false }, description: "no methods yet", receipt_email: "a@example.com" });
    await s.paymentIntents.create({ amount: 1000, currency: "eur", payment_method: "pm_card_mastercard" });
    await s.paymentIntents.create(visaPayment("processing", { payment_method: "pm_test_delayed_success" }));
    const held = await s.paymentIntents.create(visaPayment("held", { capture_method: "manual" }));
    const captured = await s.paymentIntents.create(visaPayment("captured", { capture_method: "manual" }));
    await s.paymentIntents.capture(captured.id, { amount_to_capture: 2000 });
    await s.paymentIntents.cancel(held.id, { cancellation_reason: "abandoned" });
    const unpaid = await s.paymentIntents.create({ amount: 700, currency: "gbp", metadata: { orderId: "canceled" } });
    await s.paymentIntents.cancel(unpaid.id);
    await s.paymentIntents.create(visaPayment("still-held", { capture_method: "manual" }));
    await h.control("POST", "/_test/events", { type: "payment_intent.payment_failed", paymentIntent: paid.id, deliver: false });
    return { declineError };
  }

  function expectShape(value: object, shape: ShapeName): void {
    expect(types.check(value, shape)).toEqual([]);
  }

  it("PaymentIntents, Charges, Refunds and Events: lists, search results, retrieves and error payloads", async () => {
    const { declineError } = await everyState();
    const s = h.stripe;

    const intents = await s.paymentIntents.list({ limit: 100 });
    expectShape(body(intents), "PaymentIntentList");
    expect(new Set(intents.data.map((pi) => pi.status))).toEqual(
      new Set(["succeeded", "requires_payment_method", "requires_confirmation", "processing", "requires_capture", "canceled"]),
    );
    for (const pi of intents.data) expectShape(body(await s.paymentIntents.retrieve(pi.id)), "PaymentIntent");
    expectShape(body(await s.paymentIntents.search({ query: "amount>0", limit: 100 })), "PaymentIntentSearchResult");
    expectShape(declineError.payment_intent as object, "PaymentIntent");

    const charges = await s.charges.list({ limit: 100 });
    expectShape(body(charges), "ChargeList");
    expect(new Set(charges.data.map((c) => `${c.status}${c.captured ? "" : " uncaptured"}${c.refunded ? " refunded" : ""}`))).toEqual(
      new Set(["succeeded", "failed uncaptured", "pending uncaptured", "succeeded uncaptured", "succeeded uncaptured refunded"]),
    );
    for (const c of charges.data) expectShape(body(await s.charges.retrieve(c.id)), "Charge");

    const refunds = await s.refunds.list();
    expectShape(body(refunds), "RefundList");
    expectShape(body(await s.refunds.retrieve(refunds.data[0]?.id ?? "")), "Refund");

    const events = await s.events.list({ limit: 100 });
    expectShape(body(events), "EventList");
    expect(new Set(events.data.map((e) => e.type))).toEqual(
      new Set([
        "payment_intent.created", "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.processing",
        "payment_intent.amount_capturable_updated", "payment_intent.canceled",
        "charge.pending", "charge.succeeded", "charge.failed", "charge.captured", "charge.refunded", "refund.created",
      ]),
    );
    for (const e of events.data.slice(0, 3)) expectShape(body(await s.events.retrieve(e.id)), "Event");
  });

  it("the check fails on a missing field, nested too, on a wrong type, a null the SDK does not allow, an unknown literal and an undeclared field", async () => {
    const pi = body(await h.stripe.paymentIntents.create(visaPayment("tampered"))) as unknown as Record<string, unknown>;
    expect(types.check(pi, "PaymentIntent")).toEqual([]);
    const without = (key: string) => Object.fromEntries(Object.entries(pi).filter(([k]) => k !== key));
    expect(types.check(without("shipping"), "PaymentIntent")).toEqual([expect.stringMatching(/^PaymentIntent\.shipping: missing/)]);
    // Optional fields may be absent.
    expect(types.check(without("amount_details"), "PaymentIntent")).toEqual([]);
    const options = pi.payment_method_options as { card: Record<string, unknown> };
    const { installments: _, ...card } = options.card;
    expect(types.check({ ...pi, payment_method_options: { card } }, "PaymentIntent")).toEqual([
      expect.stringMatching(/^PaymentIntent\.payment_method_options\.card\.installments: missing/),
    ]);
    expect(types.check({ ...pi, amount: "2500" }, "PaymentIntent")).toEqual([expect.stringMatching(/^PaymentIntent\.amount: string where/)]);
    expect(types.check({ ...pi, amount: null }, "PaymentIntent")).toEqual([expect.stringMatching(/^PaymentIntent\.amount: null where/)]);
    expect(types.check({ ...pi, object: "charge" }, "PaymentIntent")).toEqual([expect.stringMatching(/not one of payment_intent/)]);
    expect(types.check({ ...pi, amount_recieved: 0 }, "PaymentIntent")).toEqual([expect.stringMatching(/amount_recieved: not declared/)]);
    expect(types.check({ ...pi, metadata: { orderId: 42 } }, "PaymentIntent")).toEqual([expect.stringMatching(/metadata\["orderId"\]: number where/)]);
    expect(types.check({ object: "list", data: [without("review")], has_more: false, url: "/v1/payment_intents" }, "PaymentIntentList")).toEqual([
      expect.stringMatching(/^PaymentIntentList\.data\[0\]\.review: missing/),
    ]);
    // The SDK's own declaration decides, so this list grows when an upgrade adds a field.
    expect(types.required("PaymentIntent")).toEqual(expect.arrayContaining(["payment_method_options", "shipping", "review", "on_behalf_of"]));
  });
});
