import { randomUUID } from "node:crypto";
import { audit, recordAudit } from "@/lib/audit.ts";
import { db } from "@/lib/db.ts";
import { orderLines, totals } from "@/lib/checkout/create-order.ts";
import { CheckoutRejected } from "@/lib/checkout/errors.ts";
import type { CheckoutRequest } from "@/lib/checkout/request.ts";
import { outcomeUnknown, rejected, settledResponse, type CheckoutResult } from "@/lib/checkout/responses.ts";
import { applyPaymentOutcome } from "@/lib/checkout/settle.ts";
import { loadOrder } from "@/lib/orders.ts";
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
export async function naiveCheckout(request: Omit<CheckoutRequest, "key">): Promise<CheckoutResult> {
  try {
    return await naiveAttempt(request);
  } catch (error) {
    // Refused input (unknown product, a total past the limit): a 4xx, as on the real checkout.
    if (error instanceof CheckoutRejected) return rejected(error);
    throw error;
  }
}

async function naiveAttempt(request: Omit<CheckoutRequest, "key">): Promise<CheckoutResult> {
  const source = request.source.kind === "cart" ? { ...request.source, cartVersion: null } : request.source;
  const order = await db.$transaction(async (tx) => {
    const lines = await orderLines(tx, source);
    const created = await tx.order.create({
      data: {
        scope: request.scope,
        idempotencyKey: `naive_${randomUUID()}`,
        paymentMethod: request.paymentMethod,
        apiClientId: request.source.kind === "items" ? request.source.apiClientId : null,
        ...totals(lines),
        items: { create: lines.map(({ currency: _currency, ...line }) => line) },
      },
    });
    await recordAudit(tx, [audit("naive_order", { scope: created.scope, orderId: created.id }, { note: "nothing tells this request apart from a duplicate" })]);
    return created;
  });
  const cartId = request.source.kind === "cart" ? request.source.cartId : null;
  const outcome = await chargeOrder({ ...order, cartId }, { idempotent: false });
  if (outcome.kind === "unknown") return outcomeUnknown(await loadOrder(db, order.id));
  return db.$transaction(async (tx) => {
    await recordAudit(tx, await applyPaymentOutcome(tx, { ...order, cartId: null, cartVersion: null }, outcome, "naive_checkout"));
    return { ...settledResponse(await loadOrder(tx, order.id)), replayed: false };
  });
}
