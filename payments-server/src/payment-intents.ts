import { confirmPaymentIntent } from "./confirmation.ts";
import { ApiError, docUrl, found, invalidRequest } from "./errors.ts";
import { newId, unixNow } from "./ids.ts";
import type { PaymentIntent } from "./objects.ts";
import { checkMinimumAmount, type Metadata, type Params } from "./params.ts";
import { findPaymentMethod, type TestPaymentMethod } from "./payment-methods.ts";
import { defineEndpoint } from "./router.ts";

const CONFIRMABLE = ["requires_payment_method", "requires_confirmation"];

function paymentMethod(id: string | undefined): TestPaymentMethod | undefined {
  if (id === undefined) return undefined;
  return found(findPaymentMethod(id), "PaymentMethod", id, "payment_method", 400);
}

function missingPaymentMethod(): ApiError {
  return invalidRequest(
    "You cannot confirm this PaymentIntent because it's missing a payment method. Specify a payment_method when confirming.",
    "payment_method",
    "payment_intent_unexpected_state",
  );
}

/** Stripe's answer to confirming a PaymentIntent that is past confirmation, e.g. already succeeded. */
function unexpectedState(pi: PaymentIntent): ApiError {
  const code = "payment_intent_unexpected_state";
  return new ApiError(400, {
    type: "invalid_request_error",
    code,
    doc_url: docUrl(code),
    message: `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE.join(", ")}.`,
    payment_intent: structuredClone(pi),
  });
}

interface CreateInput {
  amount: number;
  currency: string;
  pm?: TestPaymentMethod;
  confirm: boolean;
  metadata: Metadata;
  description: string | null;
  receiptEmail: string | null;
  automatic: PaymentIntent["automatic_payment_methods"];
}

function readAutomaticPaymentMethods(params: Params): PaymentIntent["automatic_payment_methods"] | undefined {
  const hash = params.hash("automatic_payment_methods");
  if (!hash) return undefined;
  const enabled = hash.boolean("enabled", { required: true }) ?? false;
  const allowRedirects = hash.string("allow_redirects", { oneOf: ["always", "never"] });
  return { enabled, ...(allowRedirects ? { allow_redirects: allowRedirects } : {}) };
}

export const createPaymentIntent = defineEndpoint<CreateInput>({
  method: "POST",
  path: "/v1/payment_intents",
  prepare(params) {
    const amount = params.amount("amount", { required: true }) ?? 0;
    const currency = params.currency("currency");
    checkMinimumAmount(params, amount, currency);
    const pmId = params.string("payment_method");
    const confirm = params.boolean("confirm") ?? false;
    const metadata = params.metadata("metadata");
    const description = params.string("description", { maxLength: 1000 }) ?? null;
    const receiptEmail = params.string("receipt_email") ?? null;
    const automatic = readAutomaticPaymentMethods(params);
    const types = params.list("payment_method_types");
    if (types?.some((t) => t !== "card")) params.fail(invalidRequest("Only the card payment method type is supported here.", "payment_method_types"));
    // return_url only matters for redirect-based methods, which the test cards never need.
    params.string("return_url");
    params.ignore("expand");
    params.finish();
    const pm = paymentMethod(pmId);
    if (confirm && !pm) throw missingPaymentMethod();
    // Since API version 2023-08-16 automatic payment methods are on unless payment_method_types is given.
    const automaticDefault = types ? null : { enabled: true };
    return { amount, currency, pm, confirm, metadata, description, receiptEmail, automatic: automatic ?? automaticDefault };
  },
  execute(input, exec) {
    const id = newId("pi");
    const pi: PaymentIntent = {
      id,
      object: "payment_intent",
      amount: input.amount,
      amount_capturable: 0,
      amount_received: 0,
      automatic_payment_methods: input.automatic,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: "automatic_async",
      client_secret: `${id}_secret_${newId("x").slice(2)}`,
      confirmation_method: "automatic",
      created: unixNow(),
      currency: input.currency,
      customer: null,
      description: input.description,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: input.metadata,
      next_action: null,
      payment_method: input.pm?.id ?? null,
      payment_method_types: ["card"],
      processing: null,
      receipt_email: input.receiptEmail,
      setup_future_usage: null,
      status: input.pm ? "requires_confirmation" : "requires_payment_method",
    };
    exec.save(pi);
    exec.emit("payment_intent.created", pi);
    return input.confirm && input.pm ? confirmPaymentIntent(exec, pi, input.pm) : pi;
  },
});

export const retrievePaymentIntent = defineEndpoint<PaymentIntent>({
  method: "GET",
  path: "/v1/payment_intents/:id",
  paymentIntentOf: (_raw, { id }, app) => app.store.paymentIntents.get(id ?? ""),
  prepare(params, { id = "" }, app) {
    params.ignore("expand", "client_secret");
    params.finish();
    return found(app.store.paymentIntents.get(id), "payment_intent", id, "intent");
  },
  execute: (pi) => pi,
});

export const confirmPaymentIntentEndpoint = defineEndpoint<{ pi: PaymentIntent; pm?: TestPaymentMethod }>({
  method: "POST",
  path: "/v1/payment_intents/:id/confirm",
  paymentIntentOf: (_raw, { id }, app) => app.store.paymentIntents.get(id ?? ""),
  prepare(params, { id = "" }, app) {
    const pmId = params.string("payment_method");
    params.string("return_url");
    params.ignore("expand");
    params.finish();
    return { pi: found(app.store.paymentIntents.get(id), "payment_intent", id, "intent"), pm: paymentMethod(pmId) };
  },
  execute({ pi, pm }, exec) {
    if (!CONFIRMABLE.includes(pi.status)) throw unexpectedState(pi);
    const method = pm ?? findPaymentMethod(pi.payment_method ?? "");
    if (!method) throw missingPaymentMethod();
    return confirmPaymentIntent(exec, pi, method);
  },
});
