/** The `error` object of Stripe's error envelope; absent fields are omitted, as Stripe does. */
export interface StripeErrorBody {
  type: "invalid_request_error" | "card_error" | "idempotency_error" | "api_error";
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: unknown;
  payment_method?: unknown;
}

/** An API answer other than 2xx. Thrown by validation and by endpoints; the pipeline turns it into a response. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: StripeErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(error.message);
  }

  get body(): { error: StripeErrorBody } {
    return { error: this.error };
  }
}

export function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replace(/_/g, "-")}`;
}

function withDocUrl(error: StripeErrorBody): StripeErrorBody {
  return error.code ? { ...error, doc_url: docUrl(error.code) } : error;
}

export function invalidRequest(message: string, param?: string, code?: string, status = 400): ApiError {
  return new ApiError(status, withDocUrl({ type: "invalid_request_error", message, param, code }));
}

/** Stripe answers 404 for a missing object named by the URL, 400 for one named by a parameter. */
export function resourceMissing(kind: string, id: string, param = "id", status = 404): ApiError {
  return invalidRequest(`No such ${kind}: '${id}'`, param, "resource_missing", status);
}

export function cardError(error: Omit<StripeErrorBody, "type">): ApiError {
  return new ApiError(402, withDocUrl({ type: "card_error", ...error }));
}

export function unauthorized(message: string): ApiError {
  // Stripe answers bad keys with 401 and type invalid_request_error; the SDK maps 401 to StripeAuthenticationError.
  return new ApiError(401, { type: "invalid_request_error", message }, { "WWW-Authenticate": 'Basic realm="Stripe"' });
}

export function idempotencyMismatch(key: string): ApiError {
  return new ApiError(400, {
    type: "idempotency_error",
    message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
  });
}

/** Stripe tells clients whether retrying can help; the SDK obeys this header before its own status-based rules. */
const SHOULD_RETRY = { "Stripe-Should-Retry": "true" };

export function idempotencyKeyInUse(key: string): ApiError {
  // The first request will finish: retrying (after the SDK's backoff) gets its saved result.
  return new ApiError(409, withDocUrl({
    type: "invalid_request_error",
    code: "idempotency_key_in_use",
    message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
  }), SHOULD_RETRY);
}

export function apiError(message: string, status = 500): ApiError {
  return new ApiError(status, { type: "api_error", message });
}

/** A 503 before anything executed: nothing was done or saved, so a retry is safe and may succeed. */
export function unavailable(message: string): ApiError {
  return new ApiError(503, { type: "api_error", message }, SHOULD_RETRY);
}

/** The object, or Stripe's resource_missing error (404 for a URL id, pass 400 for a parameter). */
export function found<T>(value: T | undefined, kind: string, id: string, param = "id", status = 404): T {
  if (value === undefined) throw resourceMissing(kind, id, param, status);
  return value;
}
