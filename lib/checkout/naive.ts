import { db } from "@/lib/db.ts";
import { checkCartNotEmpty, checkItemLines, totals, type Line } from "@/lib/checkout/create-order.ts";
import { CheckoutRejected } from "@/lib/checkout/errors.ts";
import type { CheckoutRequest, CheckoutSource } from "@/lib/checkout/request.ts";
import { outcomeUnknown, rejected, settledResponse, unauthenticated, type CheckoutResult } from "@/lib/checkout/responses.ts";
import type { Caller } from "@/lib/checkout/statements/caller.ts";
import type { LinesSource } from "@/lib/checkout/statements/look-up.ts";
import { settleAndFinish, settlementOf, stripeCallStep } from "@/lib/checkout/settle.ts";
import { placeNaiveOrder } from "@/lib/checkout/statements/place-naive-order.ts";
import { presentOrder } from "@/lib/orders.ts";
import { chargeOrder } from "@/lib/payments/payment-intents.ts";

/** The unsafe teaching variant exists only when DEMO_UNSAFE_CHECKOUT=1. */
export function naiveCheckoutEnabled(): boolean {
  return process.env.DEMO_UNSAFE_CHECKOUT === "1";
}

/**
 * TEACHING ONLY — the checkout many shops start with, kept to show what goes wrong without
 * idempotency: no key is claimed, every call inserts a new order (not tied to the cart's
 * version) and sends Stripe a request without an Idempotency-Key, for which the SDK invents a
 * fresh one. A double-click, a retry after a timeout or a second tab each charge again.
 */
/** A caller already known (a cart session, the lab), or an API request to authenticate (POST /api/checkout/naive). */
export type NaiveRequest = Omit<CheckoutRequest, "key"> | { caller: Extract<Caller, { kind: "apiKey" }>; paymentMethod: CheckoutRequest["paymentMethod"]; source: Extract<LinesSource, { kind: "items" }> };

export async function naiveCheckout(request: NaiveRequest): Promise<CheckoutResult> {
  try {
    return await naiveAttempt(request);
  } catch (error) {
    // Refused input (unknown product, a total past the limit): a 4xx, as on the real checkout.
    if (error instanceof CheckoutRejected) return rejected(error);
    throw error;
  }
}

async function naiveAttempt(request: NaiveRequest): Promise<CheckoutResult> {
  const { source } = request;
  const caller: Caller = "caller" in request ? request.caller : { kind: "scope", scope: request.scope, apiClientId: source.kind === "items" && "apiClientId" in source ? source.apiClientId : null };
  const placed = await placeNaiveOrder(db, { caller, paymentMethod: request.paymentMethod, source });
  if (!placed.caller) return unauthenticated();
  if (!placed.order) throw whyNothingPlaced(source, placed.lines);
  const lines = placed.lines;
  const order = {
    ...placed.order,
    scope: placed.caller.scope,
    paymentMethod: request.paymentMethod,
    cartId: null,
    cartVersion: null,
    apiClientId: placed.caller.id,
    ...totals(lines),
    status: "pending" as const,
    paymentIntentId: null,
    failureCode: null,
    declineCode: null,
    failureMessage: null,
    attempt: 1,
    items: lines.map(({ slug, name, quantity, unitPriceCents }) => ({ slug, name, quantity, unitPriceCents })),
  };
  // The cart lets the scenarios find (and steer) their payments; the order is not tied to its version.
  const outcome = await chargeOrder({ ...order, cartId: source.kind === "cart" ? source.cartId : null }, { idempotent: false });
  if (outcome.kind === "unknown") return outcomeUnknown(presentOrder(order));
  const subject = { scope: order.scope, orderId: order.id };
  const settled = await settleAndFinish(db, order, settlementOf(order, outcome), "naive_checkout", [stripeCallStep(subject, outcome)], null);
  return { ...settledResponse(presentOrder({ ...order, ...settled })), replayed: false };
}

/**
 * Why the statement placed nothing, named from the lines it read: the guarded checkout's checks
 * on those lines, less the cart's version (the naive order is tied to none). A cart that no longer
 * exists reads as no lines, so it is refused as empty.
 */
function whyNothingPlaced(source: CheckoutSource | LinesSource, lines: Line[]): Error {
  try {
    if (source.kind === "cart") checkCartNotEmpty(lines);
    else checkItemLines(source.items, lines);
    totals(lines);
  } catch (error) {
    return error as Error;
  }
  return new Error("naive checkout: the order was refused, and no check says why");
}
