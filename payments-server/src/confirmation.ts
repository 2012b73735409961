import { type App, Execution } from "./app.ts";
import { markAuthorized, markCaptured, markFailed, markRefunded, newCharge } from "./charges.ts";
import { cardError } from "./errors.ts";
import { unixNow } from "./ids.ts";
import type { PaymentIntent } from "./objects.ts";
import {
  type Decline,
  findPaymentMethod,
  GENERIC_DECLINE,
  lastPaymentError,
  paymentMethodObject,
  type TestPaymentMethod,
} from "./payment-methods.ts";

/** The bank approved. With manual capture the money is only held (requires_capture) until captured or canceled. */
function succeed(exec: Execution, pi: PaymentIntent): void {
  const charge = exec.app.store.charges.get(pi.latest_charge ?? "");
  if (charge) markAuthorized(charge);
  if (pi.capture_method === "manual") {
    Object.assign(pi, { status: "requires_capture", amount_capturable: pi.amount });
    if (charge) exec.emit("charge.succeeded", charge);
    exec.emit("payment_intent.amount_capturable_updated", pi);
    return;
  }
  if (charge) markCaptured(charge, charge.amount);
  Object.assign(pi, { status: "succeeded", amount_received: pi.amount });
  if (charge) exec.emit("charge.succeeded", charge);
  exec.emit("payment_intent.succeeded", pi);
}

/** Captures `amount` of a requires_capture PaymentIntent; the rest of the hold is released. */
export function capture(exec: Execution, pi: PaymentIntent, amount: number): PaymentIntent {
  const charge = exec.app.store.charges.get(pi.latest_charge ?? "");
  if (charge) markCaptured(charge, amount);
  Object.assign(pi, { status: "succeeded", amount_capturable: 0, amount_received: amount });
  if (charge) exec.emit("charge.captured", charge);
  exec.emit("payment_intent.succeeded", pi);
  return pi;
}

/** Cancels; a held amount is released, which Stripe shows as the charge refunded. */
export function cancel(exec: Execution, pi: PaymentIntent, reason: PaymentIntent["cancellation_reason"]): PaymentIntent {
  const charge = exec.app.store.charges.get(pi.latest_charge ?? "");
  const held = pi.status === "requires_capture" && charge !== undefined;
  Object.assign(pi, { status: "canceled", canceled_at: unixNow(), cancellation_reason: reason, amount_capturable: 0 });
  if (held) {
    markRefunded(charge, charge.amount);
    exec.emit("charge.refunded", charge);
  }
  exec.emit("payment_intent.canceled", pi);
  return pi;
}

/** Stripe returns a declined PaymentIntent to requires_payment_method, detaching the method into last_payment_error. */
function fail(exec: Execution, pi: PaymentIntent, pm: TestPaymentMethod, decline: Decline): void {
  const charge = exec.app.store.charges.get(pi.latest_charge ?? "");
  if (charge) markFailed(charge, decline);
  pi.status = "requires_payment_method";
  pi.payment_method = null;
  pi.last_payment_error = lastPaymentError(decline, pi.latest_charge ?? "", pm);
  if (charge) exec.emit("charge.failed", charge);
  exec.emit("payment_intent.payment_failed", pi);
}

/**
 * Confirms with a test payment method. Returns the PaymentIntent (succeeded, or processing for the delayed methods);
 * a decline throws the 402 card_error Stripe answers with, carrying the PaymentIntent as it now is.
 */
export function confirmPaymentIntent(exec: Execution, pi: PaymentIntent, pm: TestPaymentMethod): PaymentIntent {
  const charge = newCharge(pi, pm, unixNow());
  exec.save(charge);
  Object.assign(pi, { payment_method: pm.id, latest_charge: charge.id, last_payment_error: null });
  const { behavior } = pm;
  if (behavior.kind === "succeed") {
    succeed(exec, pi);
  } else if (behavior.kind === "delayed") {
    pi.status = "processing";
    exec.emit("charge.pending", charge);
    exec.emit("payment_intent.processing", pi);
    const app = exec.app;
    app.timers.after(app.config.asyncSettleDelayMs, () => settle(app, pi.id));
  } else {
    const { decline } = behavior;
    fail(exec, pi, pm, decline);
    throw cardError({
      code: decline.code,
      decline_code: decline.declineCode,
      message: decline.message,
      param: decline.param,
      charge: charge.id,
      payment_intent: structuredClone(pi),
      payment_method: paymentMethodObject(pm, unixNow()),
    });
  }
  return pi;
}

/**
 * Settles a processing PaymentIntent: the outcome of the delayed test methods, known to the shop only by webhook.
 * A PaymentIntent that is no longer processing is left alone, so a timer firing after a forced settle does nothing.
 */
export function settle(app: App, paymentIntentId: string, outcome?: "succeeded" | "failed"): PaymentIntent | undefined {
  const pi = app.store.paymentIntents.get(paymentIntentId);
  const pm = findPaymentMethod(app.store.charges.get(pi?.latest_charge ?? "")?.payment_method ?? "");
  if (!pi || !pm || pi.status !== "processing") return pi;
  const exec = new Execution(app, { id: null, idempotency_key: null });
  const result = outcome ?? (pm.behavior.kind === "delayed" ? pm.behavior.outcome : "succeeded");
  if (result === "succeeded") succeed(exec, pi);
  else fail(exec, pi, pm, GENERIC_DECLINE);
  exec.publish();
  return pi;
}
