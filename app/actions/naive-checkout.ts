"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import type { PlaceOrderState } from "@/app/actions/checkout.ts";
import { naiveCheckout, naiveCheckoutEnabled } from "@/lib/checkout/naive.ts";
import { cartScope } from "@/lib/checkout/request.ts";
import { paymentMethodSchema } from "@/lib/payments/payment-methods.ts";
import { currentCart } from "@/lib/session.ts";

/** TEACHING ONLY (DEMO_UNSAFE_CHECKOUT=1): placeOrder without idempotency, to see duplicates happen. */
export async function placeOrderNaive(_previous: PlaceOrderState, formData: FormData): Promise<PlaceOrderState> {
  if (!naiveCheckoutEnabled()) return { error: { type: "invalid_request_error", message: "The naive checkout is off" } };
  const paymentMethod = paymentMethodSchema.safeParse(formData.get("paymentMethod"));
  if (!paymentMethod.success) return { error: { type: "invalid_request_error", message: z.prettifyError(paymentMethod.error) } };
  const cart = await currentCart();
  if (!cart || cart.items.length === 0) return { error: { type: "invalid_request_error", code: "empty_cart", message: "Your cart is empty" } };
  const result = await naiveCheckout({ scope: cartScope(cart.id), paymentMethod: paymentMethod.data, source: { kind: "cart", cartId: cart.id, cartVersion: cart.version } });
  const { order, error } = result.body;
  if (order?.status === "paid" || order?.status === "processing") redirect(`/orders/${order.id}`);
  return { error };
}
