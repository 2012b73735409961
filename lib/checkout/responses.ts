import type { StoredResponse } from "@/lib/idempotency.ts";
import type { OrderView } from "@/lib/orders.ts";
import type { CheckoutRejected } from "@/lib/checkout/errors.ts";

export type CheckoutError = { type: string; code?: string; declineCode?: string | null; message: string };
export type CheckoutBody = { order?: OrderView; error?: CheckoutError };
/** `bodyText`, when present, is `body` as the exact bytes stored with the key: the HTTP answer sends these. */
export type CheckoutResult = { status: number; body: CheckoutBody; bodyText?: string; replayed: boolean; retryAfterSeconds?: number };

// Stripe's error codes for a card that was refused, as opposed to a request Stripe refused.
const CARD_CODES = new Set(["card_declined", "expired_card", "incorrect_cvc", "incorrect_number", "processing_error", "insufficient_funds"]);

/**
 * The answer stored with the key once the order is settled; every retry replays it. It is read
 * from the order itself, so it is the same whoever settled the order (this request, a webhook,
 * an earlier attempt).
 */
export function settledResponse(order: OrderView): StoredResponse & { body: CheckoutBody } {
  const { status, body } = settledAnswer(order);
  // Serialised once: these bytes are both stored with the key and sent as the first answer.
  return { status, body, bodyText: JSON.stringify(body) };
}

function settledAnswer(order: OrderView): { status: number; body: CheckoutBody } {
  if (order.status !== "failed") return { status: 201, body: { order } };
  const failure = order.failure ?? { code: "payment_failed", declineCode: null, message: "The payment failed" };
  const type = failure.declineCode || CARD_CODES.has(failure.code) ? "card_error" : "payment_error";
  return { status: 402, body: { error: { type, code: failure.code, declineCode: failure.declineCode, message: failure.message ?? "The payment failed" }, order } };
}

/**
 * A replay: the stored bytes for HTTP. The body object (what the server action reads) is parsed
 * from those bytes, so its keys come in the first answer's order too.
 */
export const replayed = (response: StoredResponse): CheckoutResult => ({ status: response.status, body: response.body as CheckoutBody, bodyText: response.bodyText, replayed: true });

/** The one 401 body of every API route: a missing, malformed or unknown API key. */
export const invalidApiKey = { type: "authentication_error", code: "invalid_api_key", message: "Send a valid API key as `Authorization: Bearer <key>`" } as const;

/** An API key no client holds (the look found no caller): nothing was read or written. The route answers it with its 401. */
export const unauthenticated = (): CheckoutResult => ({
  status: 401,
  replayed: false,
  body: { error: { ...invalidApiKey } },
});

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

/**
 * The database could not even start the checkout's transaction in time (Prisma P2028: every
 * connection, or PGlite's one transaction, busy past maxWait). That transaction wrote nothing,
 * and an earlier step's state is kept at its recovery point, so the same key is safe to retry.
 */
export const busy = (): CheckoutResult => ({
  status: 503,
  replayed: false,
  retryAfterSeconds: 1,
  body: { error: { type: "api_error", code: "checkout_busy", message: "The shop is too busy to take this checkout right now. Retry in a moment with the same idempotency key: it is safe and never charges twice." } },
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
