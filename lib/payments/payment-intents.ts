import { metrics } from "@/lib/metrics.ts";
import { asStripeError, stripe, type Stripe } from "@/lib/payments/stripe.ts";
import { guaranteeOff } from "@/lib/test-hooks.ts";

export type PayableOrder = { id: string; totalCents: number; currency: string; paymentMethod: string; cartId: string | null; apiClientId: string | null; attempt?: number };

export type PaymentOutcome =
  | { kind: "succeeded" | "processing"; paymentIntent: Stripe.PaymentIntent }
  | { kind: "declined"; paymentIntentId: string | null; code: string; declineCode: string | null; message: string }
  | { kind: "rejected"; code: string; message: string }
  /** `keySpent`: Stripe saved an error under this key (a 5xx it replays, or tells us not to retry): the key can never pay. */
  | { kind: "unknown"; message: string; keySpent?: boolean };

export type StripeOperation = "payment_intents.create" | "payment_intents.retrieve" | "payment_intents.list" | "payment_intents.search";

/** What happened, plus what the timeline shows of the call: the key sent and whether Stripe replayed. */
export type ChargeResult = PaymentOutcome & { idempotencyKey: string | null; replayed: boolean; operation?: StripeOperation };

/**
 * Stripe's idempotency keys live in one space per Stripe account, shared by every shopper and
 * API client of this shop. So the key is derived from the order (unique in our database), never
 * the client's raw key: stable across every retry of this checkout attempt, distinct from any
 * other. Attempt 1 keeps the original key (orders made before attempts existed are paid under
 * it); a later attempt (lib/checkout/pay.ts) has its own.
 */
export function paymentIntentKey(orderId: string, attempt = 1): string {
  return attempt === 1 ? `order_${orderId}_payment_intent` : `order_${orderId}_payment_intent_${attempt}`;
}

/**
 * Charges an order once, however often it is called. Parameters come from the order only, so a
 * retry (even one that took over from a crashed process) sends Stripe an identical request
 * under the same key, and Stripe replays the first result instead of charging again.
 */
export async function chargeOrder(order: PayableOrder, options: { idempotent?: boolean } = {}): Promise<ChargeResult> {
  const idempotencyKey = (options.idempotent ?? !guaranteeOff("derived_stripe_key")) ? paymentIntentKey(order.id, order.attempt) : null;
  const outcome = await createPaymentIntent(order, idempotencyKey);
  metrics.stripeCalls.inc({ operation: "payment_intents.create", result: outcome.kind, replayed: String(outcome.replayed) });
  return { ...outcome, idempotencyKey };
}

async function createPaymentIntent(order: PayableOrder, idempotencyKey: string | null): Promise<PaymentOutcome & { replayed: boolean }> {
  try {
    const paymentIntent = await stripe().paymentIntents.create(
      {
        amount: order.totalCents,
        currency: order.currency,
        payment_method: order.paymentMethod,
        confirm: true,
        automatic_payment_methods: { enabled: true, allow_redirects: "never" },
        // The cart or API client lets the scenarios and the lab find (and steer) their own payments.
        // A later attempt is named in the metadata; attempt 1 sends exactly what it sent before attempts
        // existed, so a retry of an order from then is the same request under the same key.
        metadata: { orderId: order.id, ...((order.attempt ?? 1) > 1 && { attempt: String(order.attempt) }), ...(order.cartId && { cartId: order.cartId }), ...(order.apiClientId && { apiClientId: order.apiClientId }) },
      },
      // No key is the naive teaching variant's mistake, on purpose.
      idempotencyKey ? { idempotencyKey } : {},
    );
    // Stripe says when it answered from its idempotency store instead of executing again.
    const replayed = paymentIntent.lastResponse?.headers?.["idempotent-replayed"] === "true";
    return { ...outcomeOfIntent(paymentIntent), replayed };
  } catch (error) {
    const replayed = asStripeError(error)?.headers?.["idempotent-replayed"] === "true";
    const outcome = classifyError(error);
    return outcome.kind === "unknown" && keySpent(error) ? { ...outcome, keySpent: true, replayed } : { ...outcome, replayed };
  }
}

/**
 * A server error Stripe saved under the key: it replays it for 24 h (`Idempotent-Replayed: true`)
 * and says so from the first answer on (`Stripe-Should-Retry: false`). Retrying the key can only
 * get the same 500; the order needs reconciling, then another attempt.
 */
function keySpent(error: unknown): boolean {
  const stripeError = asStripeError(error);
  if (!stripeError || (stripeError.statusCode ?? 0) < 500) return false;
  const headers = stripeError.headers ?? {};
  return headers["idempotent-replayed"] === "true" || headers["stripe-should-retry"] === "false";
}

/** Where a PaymentIntent's current state leaves its order: paid, still processing, or failed. */
export function outcomeOfIntent(paymentIntent: Stripe.PaymentIntent): Exclude<PaymentOutcome, { kind: "unknown" | "rejected" }> {
  if (paymentIntent.status === "succeeded") return { kind: "succeeded", paymentIntent };
  if (paymentIntent.status === "processing") return { kind: "processing", paymentIntent };
  const error = paymentIntent.last_payment_error;
  return {
    kind: "declined",
    paymentIntentId: paymentIntent.id,
    code: error?.code ?? paymentIntent.status,
    declineCode: error?.decline_code ?? null,
    message: error?.message ?? `Payment ended as ${paymentIntent.status}`,
  };
}

/** The current state of the order's PaymentIntent, for an order whose webhook never came. */
export async function retrieveCharge(paymentIntentId: string): Promise<ChargeResult> {
  try {
    const outcome = outcomeOfIntent(await stripe().paymentIntents.retrieve(paymentIntentId));
    metrics.stripeCalls.inc({ operation: "payment_intents.retrieve", result: outcome.kind, replayed: "false" });
    return { ...outcome, idempotencyKey: null, replayed: false, operation: "payment_intents.retrieve" };
  } catch (error) {
    return { ...classifyError(error), idempotencyKey: null, replayed: false, operation: "payment_intents.retrieve" };
  }
}

export function classifyError(error: unknown): PaymentOutcome {
  const stripeError = asStripeError(error);
  if (stripeError?.type === "StripeCardError") {
    const raw = stripeError.raw as { payment_intent?: { id?: string } } | undefined;
    return {
      kind: "declined",
      paymentIntentId: raw?.payment_intent?.id ?? null,
      code: stripeError.code ?? "card_declined",
      declineCode: stripeError.decline_code ?? null,
      message: stripeError.message,
    };
  }
  // Another request with the same key is still executing (409 `idempotency_key_in_use`): its
  // charge may well happen, so this is an unknown outcome to retry later, never a refusal. Judged
  // by the code, not the class: SDK 23 maps any 409 to StripeAPIError by status, and another
  // version (or Stripe's own `type`) may file it under an invalid-request or idempotency error.
  if (stripeError?.code === "idempotency_key_in_use") {
    return { kind: "unknown", message: stripeError.message };
  }
  // Stripe refused the request itself (400): retrying the same request can only get the same answer.
  if (stripeError?.type === "StripeInvalidRequestError" || stripeError?.type === "StripeIdempotencyError") {
    return { kind: "rejected", code: stripeError.code ?? stripeError.type, message: stripeError.message };
  }
  // Timeouts, lost connections, 5xx after the SDK's own retries: the charge may or may not have
  // happened. Only a retry with the same key can tell, so the outcome stays unknown.
  const message = error instanceof Error ? error.message : String(error);
  return { kind: "unknown", message };
}
