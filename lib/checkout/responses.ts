import type { StoredResponse } from "@/lib/idempotency.ts";
import type { OrderView } from "@/lib/orders.ts";
import type { PaymentOutcome } from "@/lib/payments/payment-intents.ts";
import type { CheckoutRejected } from "@/lib/checkout/errors.ts";

export type CheckoutError = { type: string; code?: string; declineCode?: string | null; message: string };
export type CheckoutBody = { order?: OrderView; error?: CheckoutError };
export type CheckoutResult = { status: number; body: CheckoutBody; replayed: boolean; retryAfterSeconds?: number };

/** The answer stored with the key once the payment's outcome is known; every retry replays it. */
export function finalResponse(order: OrderView, outcome: Exclude<PaymentOutcome, { kind: "unknown" }>): StoredResponse & { body: CheckoutBody } {
  switch (outcome.kind) {
    case "succeeded":
    case "processing":
      return { status: 201, body: { order } };
    case "declined":
      return { status: 402, body: { error: { type: "card_error", code: outcome.code, declineCode: outcome.declineCode, message: outcome.message }, order } };
    case "rejected":
      return { status: 502, body: { error: { type: "payment_provider_error", code: outcome.code, message: outcome.message }, order } };
  }
}

export const replayed = (response: StoredResponse): CheckoutResult => ({ status: response.status, body: response.body as CheckoutBody, replayed: true });

export const mismatch = (): CheckoutResult => ({
  status: 422,
  replayed: false,
  body: { error: { type: "idempotency_error", code: "idempotency_key_reused", message: "This idempotency key was already used for a different request (other items, cart or payment method). Use a new key for a new request." } },
});

export const inFlight = (retryAfterSeconds: number): CheckoutResult => ({
  status: 409,
  replayed: false,
  retryAfterSeconds,
  body: { error: { type: "idempotency_error", code: "idempotency_key_in_use", message: "A request with this idempotency key is still being processed. Retry after a moment to get its result." } },
});

export const rejected = (error: CheckoutRejected): CheckoutResult => ({
  status: error.status,
  replayed: false,
  body: { error: { type: "invalid_request_error", code: error.code, message: error.message } },
});

export const outcomeUnknown = (order: OrderView): CheckoutResult => ({
  status: 503,
  replayed: false,
  retryAfterSeconds: 1,
  body: {
    order,
    error: { type: "payment_status_unknown", code: "payment_status_unknown", message: "We could not confirm your payment in time. Its status is unknown; paying again with the same checkout is safe and will never charge you twice." },
  },
});
