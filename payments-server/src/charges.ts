import { found } from "./errors.ts";
import { newId } from "./ids.ts";
import type { Charge, PaymentIntent } from "./objects.ts";
import { cardDetails, type Decline, type TestPaymentMethod } from "./payment-methods.ts";
import { defineEndpoint } from "./router.ts";

/** A charge starts pending; confirmation settles it at once for cards, later for the delayed test methods. */
export function newCharge(pi: PaymentIntent, pm: TestPaymentMethod, created: number): Charge {
  return {
    id: newId("ch"),
    object: "charge",
    amount: pi.amount,
    amount_captured: 0,
    amount_refunded: 0,
    balance_transaction: null,
    captured: false,
    created,
    currency: pi.currency,
    description: pi.description,
    failure_code: null,
    failure_message: null,
    livemode: false,
    // Stripe copies the PaymentIntent's metadata onto the charges it creates.
    metadata: { ...pi.metadata },
    outcome: { network_status: "not_sent_to_network", reason: null, risk_level: "normal", seller_message: "Payment pending.", type: "authorized" },
    paid: false,
    payment_intent: pi.id,
    payment_method: pm.id,
    payment_method_details: { type: "card", card: cardDetails(pm) },
    refunded: false,
    status: "pending",
  };
}

export function markSucceeded(charge: Charge): void {
  Object.assign(charge, {
    status: "succeeded",
    paid: true,
    captured: true,
    amount_captured: charge.amount,
    balance_transaction: newId("txn"),
    outcome: { network_status: "approved_by_network", reason: null, risk_level: "normal", seller_message: "Payment complete.", type: "authorized" },
  } satisfies Partial<Charge>);
}

export function markFailed(charge: Charge, decline: Decline): void {
  Object.assign(charge, {
    status: "failed",
    failure_code: decline.code,
    failure_message: decline.message,
    outcome: {
      network_status: "declined_by_network",
      reason: decline.declineCode,
      risk_level: "normal",
      seller_message: "The bank did not return any further details with this decline.",
      type: "issuer_declined",
    },
  } satisfies Partial<Charge>);
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

export function markRefunded(charge: Charge, amount: number): void {
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount_captured;
}
