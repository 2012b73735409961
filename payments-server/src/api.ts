import type { IncomingMessage, ServerResponse } from "node:http";
import { type App, Execution } from "./app.ts";
import { apiKeyFrom } from "./auth.ts";
import { listPaymentIntents, searchPaymentIntents } from "./payment-intent-queries.ts";
import { confirmPaymentIntentEndpoint, createPaymentIntent, retrievePaymentIntent } from "./payment-intents.ts";
import { listCharges, retrieveCharge } from "./charges.ts";
import { cancelPaymentIntent, capturePaymentIntent } from "./payment-intent-actions.ts";
import { ApiError, apiError, idempotencyKeyInUse, idempotencyMismatch, unavailable } from "./errors.ts";
import { API_VERSION, listEvents, retrieveEvent } from "./events.ts";
import { type FormObject, parseForm, parseFormBody } from "./form.ts";
import { send, stripeJson } from "./http.ts";
import { fingerprint, readIdempotencyKey, type StoredResponse } from "./idempotency.ts";
import { newId } from "./ids.ts";
import { type Metadata, Params } from "./params.ts";
import { createRefund, listRefunds, retrieveRefund } from "./refunds.ts";
import type { Outcome, RequestRecord } from "./request-log.ts";
import { type Endpoint, type PathParams, router } from "./router.ts";

const route = router<Endpoint>([
  createPaymentIntent,
  listPaymentIntents,
  // Before retrieve, which would take "search" for an id.
  searchPaymentIntents,
  retrievePaymentIntent,
  confirmPaymentIntentEndpoint,
  cancelPaymentIntent,
  capturePaymentIntent,
  listCharges,
  retrieveCharge,
  createRefund,
  listRefunds,
  retrieveRefund,
  listEvents,
  retrieveEvent,
]);

interface Parsed {
  apiKey: string;
  endpoint: Endpoint;
  pathParams: PathParams;
  raw: FormObject;
  idempotencyKey?: string;
}

interface Answer {
  outcome: Outcome;
  response: StoredResponse;
  /** Headers of this answer only, never saved (the replay markers). */
  headers?: Record<string, string>;
}

type Call = Omit<RequestRecord, "outcome" | "status">;

function errorResponse(error: unknown, call: Call, app: App, saved = false): StoredResponse {
  if (!(error instanceof ApiError)) app.logger.error({ err: error, requestId: call.requestId }, "endpoint crashed");
  const e = error instanceof ApiError ? error : apiError("An unknown error occurred while processing your request.");
  // A saved 5xx would only be replayed, so retrying it is pointless; Stripe says so with this header, which the SDK obeys.
  const headers = saved && e.status >= 500 ? { ...e.headers, "Stripe-Should-Retry": "false" } : e.headers;
  return { status: e.status, body: stripeJson(e.body), headers, requestId: call.requestId };
}

function parse(req: IncomingMessage, call: Call, url: URL, body: string): Parsed {
  const apiKey = apiKeyFrom(req.headers.authorization);
  const { route: endpoint, pathParams } = route(call.method, call.path);
  const raw = call.method === "POST" ? parseFormBody(req.headers["content-type"], body) : parseForm(url.search.slice(1));
  // Idempotency applies to POSTs only; GETs are idempotent by nature and ignore the header.
  const idempotencyKey = call.method === "POST" ? readIdempotencyKey(req.headers["idempotency-key"]) : undefined;
  return { apiKey, endpoint, pathParams, raw, idempotencyKey };
}

/** What faults and stats match a request on: its key, and the metadata it sends or its PaymentIntent carries. */
function identify(app: App, call: Call, parsed: Parsed): void {
  const pi = parsed.endpoint.paymentIntentOf?.(parsed.raw, parsed.pathParams, app);
  const own = typeof parsed.raw.metadata === "object" ? Object.entries(parsed.raw.metadata) : [];
  const given: Metadata = Object.fromEntries(own.filter((e): e is [string, string] => typeof e[1] === "string"));
  call.idempotencyKey = parsed.idempotencyKey ?? null;
  call.metadata = { ...pi?.metadata, ...given };
  call.paymentIntent = pi?.id ?? null;
}

/** Validation, then execution; only an execution produces an answer worth saving, and `save` gets it. */
async function execute(app: App, call: Call, parsed: Parsed, save: (response: StoredResponse) => void): Promise<Answer> {
  let prepared: unknown;
  try {
    const params = Params.of(parsed.raw);
    prepared = parsed.endpoint.prepare(params, parsed.pathParams, app);
    params.finish();
  } catch (error) {
    return { outcome: "rejected", response: errorResponse(error, call, app) };
  }
  const faults = app.faults.take("executing", call);
  for (const fault of faults) if (fault.kind === "delay_while_executing") await app.timers.sleep(fault.ms);
  const exec = new Execution(app, { id: call.requestId, idempotency_key: call.idempotencyKey });
  let response: StoredResponse;
  try {
    if (faults.some((f) => f.kind === "error_while_executing")) {
      throw apiError("An unknown error occurred while processing your request. (injected fault)");
    }
    const body = stripeJson(parsed.endpoint.execute(prepared, exec));
    response = { status: 200, body, headers: {}, requestId: call.requestId };
  } catch (error) {
    response = errorResponse(error, call, app, parsed.idempotencyKey !== undefined);
  }
  // Saved before any webhook can announce the change: a retry prompted by a webhook must find the result.
  save(response);
  exec.publish();
  return { outcome: "executed", response };
}

async function answer(app: App, req: IncomingMessage, call: Call, url: URL, body: string): Promise<Answer> {
  let parsed: Parsed;
  try {
    parsed = parse(req, call, url, body);
  } catch (error) {
    return { outcome: "rejected", response: errorResponse(error, call, app) };
  }
  identify(app, call, parsed);
  if (app.faults.take("before", call).length > 0) {
    const error = unavailable("The service is temporarily unavailable. (injected fault)");
    return { outcome: "unavailable", response: errorResponse(error, call, app) };
  }
  const key = parsed.idempotencyKey;
  if (key === undefined) return execute(app, call, parsed, () => {});
  const claim = app.idempotency.claim(parsed.apiKey, key, fingerprint(call.method, call.path, parsed.raw));
  switch (claim.kind) {
    case "replay":
      return {
        outcome: "replayed",
        response: claim.response,
        headers: { "Idempotent-Replayed": "true", "Original-Request": claim.response.requestId },
      };
    case "mismatch":
      return { outcome: "mismatch", response: errorResponse(idempotencyMismatch(key), call, app) };
    case "in_use":
      return { outcome: "conflict", response: errorResponse(idempotencyKeyInUse(key), call, app) };
  }
  const result = await execute(app, call, parsed, claim.commit);
  if (result.outcome !== "executed") claim.release();
  return result;
}

/** A /v1/ request: authenticate, parse, fault, idempotency, validate, execute, save, publish events, respond. */
export async function handleApi(app: App, req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<void> {
  const started = Date.now();
  const method = req.method ?? "GET";
  const call: Call = {
    requestId: newId("req", 14),
    method,
    path: url.pathname,
    idempotencyKey: null,
    metadata: {},
    paymentIntent: null,
  };
  const { outcome, response, headers } = await answer(app, req, call, url, body);
  app.requests.add({ ...call, outcome, status: response.status });
  app.logger.info({ ...call, outcome, status: response.status, ms: Date.now() - started }, "api request");

  const delivered = outcome === "executed" || outcome === "replayed";
  for (const fault of delivered ? app.faults.take("after", call) : []) {
    if (fault.kind === "delay_after_commit") await app.timers.sleep(fault.ms);
    if (fault.kind === "drop_after_commit") {
      res.socket?.destroy();
      return;
    }
  }
  const key = method === "POST" ? call.idempotencyKey : null;
  send(res, response.status, response.body, {
    "Request-Id": call.requestId,
    "Stripe-Version": String(req.headers["stripe-version"] ?? API_VERSION),
    ...(key ? { "Idempotency-Key": key } : {}),
    ...response.headers,
    ...headers,
  });
}
