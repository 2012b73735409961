import type { App } from "./app.ts";
import { confirmPaymentIntent } from "./confirmation.ts";
import { ApiError, docUrl, found, invalidRequest } from "./errors.ts";
import { newId, unixNow } from "./ids.ts";
import type { PaymentIntent } from "./objects.ts";
import { checkMinimumAmount, type Metadata, type Params } from "./params.ts";
import { findPaymentMethod, type TestPaymentMethod } from "./payment-methods.ts";
import type { FormObject } from "./form.ts";
import { defineEndpoint, type PathParams } from "./router.ts";

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

/**
 * Stripe's answer to an action the PaymentIntent's status does not allow (confirming one that succeeded, capturing
 * one that holds nothing...), with the PaymentIntent as it is.
 */
export function unexpectedState(pi: PaymentIntent, refusal: string, allowed: readonly string[], participle: string): ApiError {
  const code = "payment_intent_unexpected_state";
  return new ApiError(400, {
    type: "invalid_request_error",
    code,
    doc_url: docUrl(code),
    message: `${refusal} because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be ${participle}: ${allowed.join(", ")}.`,
    payment_intent: structuredClone(pi),
  });
}

interface CreateInput {
  amount: number;
  currency: string;
  pm?: TestPaymentMethod;
  confirm: boolean;
  captureMethod: PaymentIntent["capture_method"];
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

/** The account's default payment method configuration, which automatic payment methods use. */
const PAYMENT_METHOD_CONFIGURATION = newId("pmc");

/** A new PaymentIntent with Stripe's defaults for everything this server does not model (null, or empty). */
function newPaymentIntent(input: CreateInput): PaymentIntent {
  const id = newId("pi");
  return {
    id,
    object: "payment_intent",
    allowed_payment_method_types: null,
    amount: input.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: input.automatic,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: input.captureMethod,
    client_secret: `${id}_secret_${newId("x").slice(2)}`,
    confirmation_method: "automatic",
    created: unixNow(),
    currency: input.currency,
    customer: null,
    customer_account: null,
    description: input.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: input.pm?.id ?? null,
    payment_method_configuration_details: input.automatic?.enabled ? { id: PAYMENT_METHOD_CONFIGURATION, parent: null } : null,
    payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: "automatic" } },
    payment_method_types: ["card"],
    payment_record: null,
    processing: null,
    receipt_email: input.receiptEmail,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: input.pm ? "requires_confirmation" : "requires_payment_method",
    transfer_data: null,
    transfer_group: null,
  };
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
    const captureMethod = params.string("capture_method", { oneOf: ["automatic", "automatic_async", "manual"] }) ?? "automatic_async";
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
    return { amount, currency, pm, confirm, captureMethod, metadata, description, receiptEmail, automatic: automatic ?? automaticDefault };
  },
  execute(input, exec) {
    const pi = newPaymentIntent(input);
    exec.save(pi);
    exec.emit("payment_intent.created", pi);
    return input.confirm && input.pm ? confirmPaymentIntent(exec, pi, input.pm) : pi;
  },
});

/** Which PaymentIntent a request to `/v1/payment_intents/:id...` concerns, for faults and stats. */
export const paymentIntentOfPath = (_raw: FormObject, { id }: PathParams, app: App) => app.store.paymentIntents.get(id ?? "");

/** The PaymentIntent named by the URL, for the endpoints that act on one. */
export function pathPaymentIntent(app: App, id: string): PaymentIntent {
  return found(app.store.paymentIntents.get(id), "payment_intent", id, "intent");
}

export const retrievePaymentIntent = defineEndpoint<PaymentIntent>({
  method: "GET",
  path: "/v1/payment_intents/:id",
  paymentIntentOf: paymentIntentOfPath,
  prepare(params, { id = "" }, app) {
    params.ignore("expand", "client_secret");
    params.finish();
    return pathPaymentIntent(app, id);
  },
  execute: (pi) => pi,
});

export const confirmPaymentIntentEndpoint = defineEndpoint<{ pi: PaymentIntent; pm?: TestPaymentMethod }>({
  method: "POST",
  path: "/v1/payment_intents/:id/confirm",
  paymentIntentOf: paymentIntentOfPath,
  prepare(params, { id = "" }, app) {
    const pmId = params.string("payment_method");
    params.string("return_url");
    params.ignore("expand");
    params.finish();
    return { pi: pathPaymentIntent(app, id), pm: paymentMethod(pmId) };
  },
  execute({ pi, pm }, exec) {
    if (!CONFIRMABLE.includes(pi.status)) throw unexpectedState(pi, "You cannot confirm this PaymentIntent", CONFIRMABLE, "confirmed");
    const method = pm ?? findPaymentMethod(pi.payment_method ?? "");
    if (!method) throw missingPaymentMethod();
    return confirmPaymentIntent(exec, pi, method);
  },
});
