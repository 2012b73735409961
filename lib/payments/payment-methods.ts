import { z } from "zod";

/** Stripe's test payment methods, plus two local-only ones that settle later, like bank debits. */
export const PAYMENT_METHODS = [
  { id: "pm_card_visa", label: "Visa ending 4242", note: "Succeeds" },
  { id: "pm_card_chargeDeclined", label: "Card declined", note: "Generic decline" },
  { id: "pm_card_chargeDeclinedInsufficientFunds", label: "Insufficient funds", note: "Declined" },
  { id: "pm_card_chargeDeclinedExpiredCard", label: "Expired card", note: "Declined" },
  { id: "pm_test_delayed_success", label: "Bank debit (settles later)", note: "Local payments server only: processing, then paid by webhook" },
  { id: "pm_test_delayed_failure", label: "Bank debit (fails later)", note: "Local payments server only: processing, then failed by webhook" },
] as const;

export type PaymentMethodId = (typeof PAYMENT_METHODS)[number]["id"];

const ids = PAYMENT_METHODS.map((method) => method.id) as [PaymentMethodId, ...PaymentMethodId[]];
export const paymentMethodSchema = z.enum(ids, { error: `paymentMethod must be one of ${ids.join(", ")}` });
