import type { App } from "./app.ts";
import { found } from "./errors.ts";
import { newId, unixNow } from "./ids.ts";
import type { PaymentIntent, StripeEvent } from "./objects.ts";
import { findPaymentMethod, GENERIC_DECLINE, lastPaymentError } from "./payment-methods.ts";

/** How a PaymentIntent snapshot looks in an event of each type, whatever the PaymentIntent's real state. */
const SNAPSHOTS = {
  "payment_intent.created": () => ({ status: "requires_payment_method", amount_received: 0, latest_charge: null, last_payment_error: null }),
  "payment_intent.processing": () => ({ status: "processing", amount_received: 0, last_payment_error: null }),
  "payment_intent.succeeded": (pi) => ({ status: "succeeded", amount_received: pi.amount, last_payment_error: null }),
  "payment_intent.payment_failed": (pi) => {
    const pm = findPaymentMethod(pi.payment_method ?? "") ?? findPaymentMethod("pm_card_chargeDeclined");
    const charge = pi.latest_charge ?? newId("ch");
    return {
      status: "requires_payment_method",
      amount_received: 0,
      payment_method: null,
      last_payment_error: pm ? lastPaymentError(GENERIC_DECLINE, charge, pm) : null,
    };
  },
  "payment_intent.canceled": () => ({ status: "canceled", amount_received: 0, canceled_at: unixNow(), cancellation_reason: "requested_by_customer" }),
} satisfies Record<string, (pi: PaymentIntent) => Partial<PaymentIntent>>;

export type StaleEventType = keyof typeof SNAPSHOTS;
export const STALE_EVENT_TYPES = Object.keys(SNAPSHOTS) as [StaleEventType, ...StaleEventType[]];

/**
 * Records an event about a PaymentIntent with a snapshot that contradicts its real state: a late, duplicated or
 * out-of-order webhook, such as a failure arriving after the success. The PaymentIntent itself does not change.
 * Like Stripe's, the event is retrievable through /v1/events. Delivery is the caller's business.
 */
export function injectEvent(
  app: App,
  input: { type: StaleEventType; paymentIntent: string; createdOffsetSec?: number },
): StripeEvent {
  const pi = found(app.store.paymentIntents.get(input.paymentIntent), "payment_intent", input.paymentIntent, "paymentIntent");
  const object = { ...structuredClone(pi), ...SNAPSHOTS[input.type](pi) } as PaymentIntent;
  const created = unixNow() + (input.createdOffsetSec ?? 0);
  return app.events.create(input.type, object, { id: null, idempotency_key: null }, app.config.webhookUrl ? 1 : 0, created);
}
