import type Stripe from "stripe";
import type { Metadata } from "./params.ts";

/**
 * The Stripe API objects this server keeps, typed by the installed SDK's own declarations: constructing one without
 * a field the SDK declares as always present does not compile (test/object-shapes.test.ts checks the answers too).
 * Expandable fields are narrowed to what this server answers with, an id or null: it never expands.
 */
type Unexpanded<T, K extends keyof T> = Omit<T, K> & { [P in K]: Extract<T[P], string | null> };

export type PaymentMethodObject = Unexpanded<Stripe.PaymentMethod, "customer"> & { metadata: Metadata; card: Stripe.PaymentMethod.Card };

export type LastPaymentError = Omit<Stripe.PaymentIntent.LastPaymentError, "payment_method"> & { payment_method: PaymentMethodObject };

export type PaymentIntentStatus = Stripe.PaymentIntent.Status;

export type PaymentIntent = Unexpanded<
  Stripe.PaymentIntent,
  "application" | "customer" | "latest_charge" | "on_behalf_of" | "payment_method" | "payment_record" | "review" | "source"
> & { metadata: Metadata; last_payment_error: LastPaymentError | null };

export type ChargeStatus = Stripe.Charge.Status;

export type Charge = Unexpanded<
  Stripe.Charge,
  "application" | "application_fee" | "balance_transaction" | "customer" | "failure_balance_transaction" | "on_behalf_of" | "review" | "source_transfer"
> & {
  metadata: Metadata;
  payment_intent: string;
  payment_method: string;
  payment_method_details: Stripe.Charge.PaymentMethodDetails & { card: Stripe.Charge.PaymentMethodDetails.Card };
  outcome: Stripe.Charge.Outcome;
};

export type Refund = Unexpanded<
  Stripe.Refund,
  "balance_transaction" | "customer" | "payment_method" | "source_transfer_reversal" | "transfer_reversal"
> & { metadata: Metadata; charge: string; payment_intent: string };

export type StripeObject = PaymentIntent | Charge | Refund;

export interface StripeEvent extends Omit<Stripe.EventBase, "data" | "type" | "api_version" | "request"> {
  api_version: string;
  data: { object: StripeObject };
  request: { id: string | null; idempotency_key: string | null };
  type: Stripe.Event.Type;
}
