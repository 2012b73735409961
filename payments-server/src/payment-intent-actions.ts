import { cancel, capture } from "./confirmation.ts";
import { invalidRequest } from "./errors.ts";
import type { PaymentIntent } from "./objects.ts";
import { pathPaymentIntent, paymentIntentOfPath, unexpectedState } from "./payment-intents.ts";
import { defineEndpoint } from "./router.ts";

const CANCELABLE = ["requires_payment_method", "requires_capture", "requires_confirmation", "requires_action"];
const CAPTURABLE = ["requires_capture"];
const CANCELLATION_REASONS = ["duplicate", "fraudulent", "requested_by_customer", "abandoned"];

/** `POST /v1/payment_intents/:id/cancel`: releases any hold; a succeeded or canceled PaymentIntent cannot be. */
export const cancelPaymentIntent = defineEndpoint<{ pi: PaymentIntent; reason: string | null }>({
  method: "POST",
  path: "/v1/payment_intents/:id/cancel",
  paymentIntentOf: paymentIntentOfPath,
  prepare(params, { id = "" }, app) {
    const reason = params.string("cancellation_reason", { oneOf: CANCELLATION_REASONS }) ?? null;
    params.ignore("expand");
    params.finish();
    return { pi: pathPaymentIntent(app, id), reason };
  },
  // The status is checked when executing, so a refusal is saved and replayed under its key, like Stripe's.
  execute({ pi, reason }, exec) {
    if (!CANCELABLE.includes(pi.status)) throw unexpectedState(pi, "You cannot cancel this PaymentIntent", CANCELABLE, "canceled");
    return cancel(exec, pi, reason);
  },
});

/** `POST /v1/payment_intents/:id/capture`: `amount_to_capture` up to `amount_capturable` (default all of it). */
export const capturePaymentIntent = defineEndpoint<{ pi: PaymentIntent; amount?: number }>({
  method: "POST",
  path: "/v1/payment_intents/:id/capture",
  paymentIntentOf: paymentIntentOfPath,
  prepare(params, { id = "" }, app) {
    const amount = params.amount("amount_to_capture");
    params.ignore("expand");
    params.finish();
    return { pi: pathPaymentIntent(app, id), amount };
  },
  execute({ pi, amount = pi.amount_capturable }, exec) {
    if (!CAPTURABLE.includes(pi.status)) throw unexpectedState(pi, "This PaymentIntent could not be captured", CAPTURABLE, "captured");
    if (amount > pi.amount_capturable) {
      throw invalidRequest(
        `The amount to capture (${amount}) is greater than the amount capturable on this PaymentIntent (${pi.amount_capturable}).`,
        "amount_to_capture",
        "amount_too_large",
      );
    }
    return capture(exec, pi, amount);
  },
});
