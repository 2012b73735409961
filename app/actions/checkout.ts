"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { checkout } from "@/lib/checkout/checkout.ts";
import { cartScope, placeOrderForm } from "@/lib/checkout/request.ts";
import type { CheckoutError } from "@/lib/checkout/responses.ts";
import { currentCart } from "@/lib/session.ts";

export type PlaceOrderState = {
  error?: CheckoutError;
  /** A failed order, shown with its reason; the cart stays for another try. */
  failedOrderId?: string;
  /** The outcome is unknown: the same key is kept, so paying again is a safe retry. */
  retrySafe?: boolean;
};

/**
 * A server action is a public POST endpoint: the form's fields are validated like any API
 * input, and the scope comes from the session cookie, never from the form.
 */
export async function placeOrder(_previous: PlaceOrderState, formData: FormData): Promise<PlaceOrderState> {
  const parsed = placeOrderForm.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { error: { type: "invalid_request_error", message: z.prettifyError(parsed.error) } };
  const cart = await currentCart();
  if (!cart) return { error: { type: "invalid_request_error", code: "empty_cart", message: "Your cart is empty" } };

  const { idempotencyKey, cartVersion, paymentMethod } = parsed.data;
  const result = await checkout(
    { scope: cartScope(cart.id), key: idempotencyKey, paymentMethod, source: { kind: "cart", cartId: cart.id, cartVersion } },
    { waitForInFlight: true },
  );

  const { order, error } = result.body;
  if (order && (order.status === "paid" || order.status === "processing" || order.status === "refunded")) redirect(`/orders/${order.id}`);
  if (result.status === 503) return { error, retrySafe: true };
  return { error, failedOrderId: order?.status === "failed" ? order.id : undefined };
}
