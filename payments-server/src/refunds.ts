import type { App } from "./app.ts";
import { markRefunded, refundable } from "./charges.ts";
import { found, invalidRequest } from "./errors.ts";
import type { FormObject } from "./form.ts";
import { newId, unixNow } from "./ids.ts";
import type { Charge, PaymentIntent, Refund } from "./objects.ts";
import { listEndpoint, newestFirst } from "./lists.ts";
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
    if (!charge || charge.status !== "succeeded" || !charge.captured) {
      throw invalidRequest(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, "payment_intent");
    }
    const left = refundable(charge);
    if (left === 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, undefined, "charge_already_refunded");
    const value = amount ?? left;
    if (value > left) {
      throw invalidRequest(`Refund amount (${value}) is greater than unrefunded amount on charge (${left})`, "amount", "amount_too_large");
    }
    const refund: Refund = {
      id: newId("re"),
      object: "refund",
      amount: value,
      balance_transaction: newId("txn"),
      charge: charge.id,
      created: unixNow(),
      currency: charge.currency,
      customer: null,
      customer_account: null,
      metadata,
      payment_intent: pi.id,
      payment_method: charge.payment_method,
      reason,
      receipt_number: null,
      source_transfer_reversal: null,
      status: "succeeded",
      transfer_reversal: null,
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

/** `GET /v1/refunds`. */
export const listRefunds = listEndpoint<Refund>({
  path: "/v1/refunds",
  kind: "refund",
  all: (app) => newestFirst(app.store.refunds.values()),
  equals: { charge: (r) => r.charge, payment_intent: (r) => r.payment_intent },
});
