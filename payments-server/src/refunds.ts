import type { App } from "./app.ts";
import { markRefunded } from "./charges.ts";
import { found, invalidRequest } from "./errors.ts";
import type { FormObject } from "./form.ts";
import { newId, unixNow } from "./ids.ts";
import type { Charge, PaymentIntent, Refund } from "./objects.ts";
import type { Metadata } from "./params.ts";
import { defineEndpoint } from "./router.ts";

const REASONS = ["duplicate", "fraudulent", "requested_by_customer"];

interface RefundInput {
  pi: PaymentIntent;
  charge?: Charge;
  amount?: number;
  metadata: Metadata;
  reason: string | null;
}

function paymentIntentOf(raw: FormObject, app: App): PaymentIntent | undefined {
  const { payment_intent: piId, charge: chargeId } = raw;
  if (typeof piId === "string") return app.store.paymentIntents.get(piId);
  const charge = typeof chargeId === "string" ? app.store.charges.get(chargeId) : undefined;
  return charge && app.store.paymentIntentOf(charge);
}

export const createRefund = defineEndpoint<RefundInput>({
  method: "POST",
  path: "/v1/refunds",
  paymentIntentOf: (raw, _path, app) => paymentIntentOf(raw, app),
  prepare(params, _path, app) {
    const piId = params.string("payment_intent");
    const chargeId = params.string("charge");
    const amount = params.amount("amount");
    const metadata = params.metadata("metadata");
    const reason = params.string("reason", { oneOf: REASONS }) ?? null;
    params.ignore("expand");
    params.finish();
    if (piId === undefined && chargeId === undefined) {
      throw invalidRequest("One of the following params should be provided for this request: payment_intent or charge.", "payment_intent", "parameter_missing");
    }
    const charge = chargeId === undefined ? undefined : found(app.store.charges.get(chargeId), "charge", chargeId, "charge", 400);
    const id = piId ?? charge?.payment_intent ?? "";
    const pi = found(app.store.paymentIntents.get(id), "payment_intent", id, "payment_intent", 400);
    return { pi, charge, amount, metadata, reason };
  },
  execute({ pi, charge: given, amount, metadata, reason }, exec) {
    const charge = given ?? exec.app.store.charges.get(pi.latest_charge ?? "");
    if (!charge || charge.status !== "succeeded") {
      throw invalidRequest(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, "payment_intent");
    }
    const refundable = charge.amount_captured - charge.amount_refunded;
    if (refundable === 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, undefined, "charge_already_refunded");
    const value = amount ?? refundable;
    if (value > refundable) {
      throw invalidRequest(`Refund amount (${value}) is greater than unrefunded amount on charge (${refundable})`, "amount", "amount_too_large");
    }
    const refund: Refund = {
      id: newId("re"),
      object: "refund",
      amount: value,
      balance_transaction: newId("txn"),
      charge: charge.id,
      created: unixNow(),
      currency: charge.currency,
      metadata,
      payment_intent: pi.id,
      reason,
      status: "succeeded",
    };
    exec.save(refund);
    markRefunded(charge, value);
    exec.emit("refund.created", refund);
    exec.emit("charge.refunded", charge);
    return refund;
  },
});

export const retrieveRefund = defineEndpoint<Refund>({
  method: "GET",
  path: "/v1/refunds/:id",
  paymentIntentOf: (_raw, { id }, app) => app.store.paymentIntents.get(app.store.refunds.get(id ?? "")?.payment_intent ?? ""),
  prepare(params, { id = "" }, app) {
    params.ignore("expand");
    params.finish();
    return found(app.store.refunds.get(id), "refund", id);
  },
  execute: (refund) => refund,
});
