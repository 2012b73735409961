import { docUrl } from "./errors.ts";
import { unixNow } from "./ids.ts";
import type { Charge, LastPaymentError, PaymentMethodObject } from "./objects.ts";

/** Stripe answers an unknown address with every line present and null. */
export const EMPTY_ADDRESS = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

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

function expYear(): number {
  return new Date().getFullYear() + 3;
}

/** A stable per-card fingerprint, as Stripe's is per card number. */
function fingerprint(pm: TestPaymentMethod): string {
  return `fp_${pm.brand}${pm.last4}`.slice(0, 16);
}

const NO_CHECKS = { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" };

/** The card as a PaymentMethod describes it. */
export function cardDetails(pm: TestPaymentMethod): PaymentMethodObject["card"] {
  return {
    brand: pm.brand,
    checks: NO_CHECKS,
    country: "US",
    display_brand: pm.brand,
    exp_month: 12,
    exp_year: expYear(),
    fingerprint: fingerprint(pm),
    funding: "credit",
    generated_from: null,
    last4: pm.last4,
    networks: { available: [pm.brand], preferred: null },
    regulated_status: "unregulated",
    three_d_secure_usage: { supported: true },
    wallet: null,
  };
}

/** The card as a Charge's payment_method_details describe it; `authorized` is what the bank approved, null if declined. */
export function chargeCardDetails(pm: TestPaymentMethod, authorized: number | null): Charge["payment_method_details"]["card"] {
  return {
    amount_authorized: authorized,
    authorization_code: null,
    brand: pm.brand,
    checks: NO_CHECKS,
    country: "US",
    electronic_commerce_indicator: null,
    exp_month: 12,
    exp_year: expYear(),
    fingerprint: fingerprint(pm),
    funding: "credit",
    installments: null,
    last4: pm.last4,
    mandate: null,
    network: pm.brand,
    network_transaction_id: null,
    regulated_status: "unregulated",
    three_d_secure: null,
    transaction_link_id: null,
    wallet: null,
  };
}

export function paymentMethodObject(pm: TestPaymentMethod, created: number): PaymentMethodObject {
  return {
    id: pm.id,
    object: "payment_method",
    allow_redisplay: "unspecified",
    billing_details: { address: EMPTY_ADDRESS, email: null, name: null, phone: null, tax_id: null },
    card: cardDetails(pm),
    created,
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: "card",
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
