import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { classifyError } from "@/lib/payments/payment-intents.ts";
import { Stripe } from "@/lib/payments/stripe.ts";

// A second copy of the SDK (its CommonJS build), as a separately bundled Next.js route holds one:
// its error classes are not the ones `lib/payments/stripe.ts` imported.
const otherCopy = createRequire(import.meta.url)("stripe") as typeof Stripe;

describe("Stripe errors from another copy of the SDK", () => {
  it("are really other classes", () => {
    const foreign = new otherCopy.errors.StripeCardError({ message: "Your card was declined.", type: "card_error" });
    expect(foreign instanceof Stripe.errors.StripeCardError).toBe(false);
  });

  it("still classify a decline as declined, not as an unknown outcome", () => {
    const foreign = new otherCopy.errors.StripeCardError({
      message: "Your card was declined.",
      type: "card_error",
      code: "card_declined",
      decline_code: "generic_decline",
      payment_intent: { id: "pi_123" } as never,
    });
    expect(classifyError(foreign)).toEqual({ kind: "declined", paymentIntentId: "pi_123", code: "card_declined", declineCode: "generic_decline", message: "Your card was declined." });
  });

  it("still classify a refused request as rejected, and a network failure as unknown", () => {
    expect(classifyError(new otherCopy.errors.StripeInvalidRequestError({ message: "No such payment_method", type: "invalid_request_error", code: "resource_missing" }))).toMatchObject({ kind: "rejected", code: "resource_missing" });
    expect(classifyError(new otherCopy.errors.StripeConnectionError({ message: "socket hang up", type: "api_error" }))).toMatchObject({ kind: "unknown" });
    expect(classifyError(new Error("ECONNRESET"))).toEqual({ kind: "unknown", message: "ECONNRESET" });
  });
});

describe("A key still in use by another request (409 idempotency_key_in_use)", () => {
  const inUse = { message: "There is currently another in-progress request using this Idempotent Key", code: "idempotency_key_in_use", statusCode: 409 };

  it("is an unknown outcome (in flight, retry later) whatever class the SDK files it under", () => {
    // SDK 23 maps a 409 to StripeAPIError by status; the payments server (like Stripe) sends
    // type invalid_request_error, and another SDK version may map it by that type instead.
    for (const error of [
      new Stripe.errors.StripeAPIError({ ...inUse, type: "api_error" }),
      new Stripe.errors.StripeInvalidRequestError({ ...inUse, type: "invalid_request_error" }),
      new Stripe.errors.StripeIdempotencyError({ ...inUse, type: "idempotency_error" }),
      new otherCopy.errors.StripeInvalidRequestError({ ...inUse, type: "invalid_request_error" }),
    ]) {
      expect(classifyError(error), error.type).toEqual({ kind: "unknown", message: inUse.message });
    }
  });

  it("leaves a key reused with other parameters a terminal rejection", () => {
    const mismatch = new Stripe.errors.StripeIdempotencyError({ message: "Keys for idempotent requests can only be used with the same parameters", type: "idempotency_error" });
    expect(classifyError(mismatch)).toMatchObject({ kind: "rejected" });
  });
});
