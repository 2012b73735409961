import { found } from "./errors.ts";
import { newId } from "./ids.ts";
import { listEndpoint, newestFirst } from "./lists.ts";
import type { Charge, PaymentIntent } from "./objects.ts";
import { chargeCardDetails, type Decline, EMPTY_ADDRESS, type TestPaymentMethod } from "./payment-methods.ts";
import { defineEndpoint } from "./router.ts";

/** What the statement shows; Stripe derives it from the account's settings. */
const STATEMENT_DESCRIPTOR = "PAYMENTS SERVER";

/** A charge starts pending; confirmation settles it at once for cards, later for the delayed test methods. */
export function newCharge(pi: PaymentIntent, pm: TestPaymentMethod, created: number): Charge {
  return {
    id: newId("ch"),
    object: "charge",
    amount: pi.amount,
    amount_captured: 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: { address: EMPTY_ADDRESS, email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: STATEMENT_DESCRIPTOR,
    captured: false,
    created,
    currency: pi.currency,
    customer: null,
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    // Stripe copies the PaymentIntent's metadata onto the charges it creates.
    metadata: { ...pi.metadata },
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: "not_sent_to_network",
      reason: null,
      risk_level: "normal",
      seller_message: "Payment pending.",
      type: "authorized",
    },
    paid: false,
    payment_intent: pi.id,
    payment_method: pm.id,
    payment_method_details: { type: "card", card: chargeCardDetails(pm, null) },
    receipt_email: pi.receipt_email,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: "pending",
    transfer_data: null,
    transfer_group: null,
  };
}

/** The bank approved: the amount is held on the card. Captured at once unless the PaymentIntent captures manually. */
export function markAuthorized(charge: Charge): void {
  Object.assign(charge, {
    status: "succeeded",
    paid: true,
    outcome: { ...charge.outcome, network_status: "approved_by_network", seller_message: "Payment complete." },
  } satisfies Partial<Charge>);
  charge.payment_method_details.card.amount_authorized = charge.amount;
}

/** Moves `amount` (at most what was authorized); Stripe releases the rest, which shows as refunded on the charge. */
export function markCaptured(charge: Charge, amount: number): void {
  Object.assign(charge, {
    captured: true,
    amount_captured: amount,
    amount_refunded: charge.amount - amount,
    balance_transaction: newId("txn"),
  } satisfies Partial<Charge>);
}

export function markFailed(charge: Charge, decline: Decline): void {
  Object.assign(charge, {
    status: "failed",
    failure_code: decline.code,
    failure_message: decline.message,
    outcome: {
      ...charge.outcome,
      network_status: "declined_by_network",
      reason: decline.declineCode,
      seller_message: "The bank did not return any further details with this decline.",
      type: "issuer_declined",
    },
  } satisfies Partial<Charge>);
}

/** Refunds, and the release of an uncaptured authorization, both count in amount_refunded. */
export function markRefunded(charge: Charge, amount: number): void {
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount;
}

/** What may still be refunded: the captured amount less what was refunded of it. */
export function refundable(charge: Charge): number {
  return charge.captured ? charge.amount - charge.amount_refunded : 0;
}

export const retrieveCharge = defineEndpoint({
  method: "GET",
  path: "/v1/charges/:id",
  paymentIntentOf: (_raw, { id }, app) => {
    const charge = app.store.charges.get(id ?? "");
    return charge && app.store.paymentIntentOf(charge);
  },
  prepare(params, { id = "" }, app) {
    params.ignore("expand");
    params.finish();
    return found(app.store.charges.get(id), "charge", id);
  },
  execute: (charge) => charge,
});

/** `GET /v1/charges`. */
export const listCharges = listEndpoint<Charge>({
  path: "/v1/charges",
  kind: "charge",
  all: (app) => newestFirst(app.store.charges.values()),
  equals: { customer: (c) => c.customer, payment_intent: (c) => c.payment_intent, transfer_group: (c) => c.transfer_group },
});
