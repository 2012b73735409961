import { docUrl } from "./errors.ts";
import { unixNow } from "./ids.ts";
import type { LastPaymentError, PaymentMethodObject } from "./objects.ts";

export interface Decline {
  code: string;
  declineCode: string;
  message: string;
  /** Stripe points some declines at the card field at fault. */
  param?: string;
}

export type Behavior =
  | { kind: "succeed" }
  | { kind: "decline"; decline: Decline }
  /** Local-only: the PaymentIntent stays `processing` and settles later; the outcome arrives by webhook only. */
  | { kind: "delayed"; outcome: "succeeded" | "failed" };

export interface TestPaymentMethod {
  id: string;
  brand: string;
  last4: string;
  behavior: Behavior;
}

const DECLINED = "Your card was declined.";
export const GENERIC_DECLINE: Decline = { code: "card_declined", declineCode: "generic_decline", message: DECLINED };

const decline = (code: string, declineCode: string, message: string, param?: string): Behavior => ({
  kind: "decline",
  decline: { code, declineCode, message, param },
});

/** Stripe's test-mode PaymentMethod tokens, with the outcome Stripe gives each. */
const METHODS: TestPaymentMethod[] = [
  { id: "pm_card_visa", brand: "visa", last4: "4242", behavior: { kind: "succeed" } },
  { id: "pm_card_visa_debit", brand: "visa", last4: "5556", behavior: { kind: "succeed" } },
  { id: "pm_card_mastercard", brand: "mastercard", last4: "4444", behavior: { kind: "succeed" } },
  { id: "pm_card_amex", brand: "amex", last4: "8431", behavior: { kind: "succeed" } },
  { id: "pm_card_chargeDeclined", brand: "visa", last4: "0002", behavior: { kind: "decline", decline: GENERIC_DECLINE } },
  { id: "pm_card_chargeDeclinedInsufficientFunds", brand: "visa", last4: "9995", behavior: decline("card_declined", "insufficient_funds", "Your card has insufficient funds.") },
  { id: "pm_card_chargeDeclinedLostCard", brand: "visa", last4: "9987", behavior: decline("card_declined", "lost_card", DECLINED) },
  { id: "pm_card_chargeDeclinedStolenCard", brand: "visa", last4: "9979", behavior: decline("card_declined", "stolen_card", DECLINED) },
  { id: "pm_card_chargeDeclinedFraudulent", brand: "visa", last4: "0019", behavior: decline("card_declined", "fraudulent", DECLINED) },
  { id: "pm_card_chargeDeclinedExpiredCard", brand: "visa", last4: "0069", behavior: decline("expired_card", "expired_card", "Your card has expired.", "exp_month") },
  { id: "pm_card_chargeDeclinedIncorrectCvc", brand: "visa", last4: "0127", behavior: decline("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect.", "cvc") },
  { id: "pm_card_chargeDeclinedProcessingError", brand: "visa", last4: "0119", behavior: decline("processing_error", "processing_error", "An error occurred while processing your card. Try again in a little bit.") },
  { id: "pm_test_delayed_success", brand: "visa", last4: "1111", behavior: { kind: "delayed", outcome: "succeeded" } },
  { id: "pm_test_delayed_failure", brand: "visa", last4: "0341", behavior: { kind: "delayed", outcome: "failed" } },
];

const BY_ID = new Map(METHODS.map((m) => [m.id, m]));

export function findPaymentMethod(id: string): TestPaymentMethod | undefined {
  return BY_ID.get(id);
}

export function cardDetails(pm: TestPaymentMethod): PaymentMethodObject["card"] {
  return { brand: pm.brand, last4: pm.last4, exp_month: 12, exp_year: new Date().getFullYear() + 3, funding: "credit", country: "US" };
}

export function paymentMethodObject(pm: TestPaymentMethod, created: number): PaymentMethodObject {
  return {
    id: pm.id,
    object: "payment_method",
    type: "card",
    card: cardDetails(pm),
    billing_details: { address: null, email: null, name: null, phone: null },
    created,
    customer: null,
    livemode: false,
    metadata: {},
  };
}

export function lastPaymentError(decline: Decline, chargeId: string, pm: TestPaymentMethod): LastPaymentError {
  return {
    type: "card_error",
    code: decline.code,
    decline_code: decline.declineCode,
    message: decline.message,
    ...(decline.param ? { param: decline.param } : {}),
    charge: chargeId,
    doc_url: docUrl(decline.code),
    payment_method: paymentMethodObject(pm, unixNow()),
  };
}
