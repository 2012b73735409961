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
