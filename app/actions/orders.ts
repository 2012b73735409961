"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { cartScope } from "@/lib/checkout/request.ts";
import { refundOrder, type RefundResult } from "@/lib/refunds.ts";
import { currentCart } from "@/lib/session.ts";

/** Refunds one of this session's orders; a double-click refunds once (see lib/refunds.ts). */
export async function refundMyOrder(orderId: unknown): Promise<RefundResult["body"]> {
  const id = z.string().min(1).max(100).safeParse(orderId);
  const cart = await currentCart();
  if (!id.success || !cart) return { error: { type: "invalid_request_error", message: "No such order" } };
  const result = await refundOrder(id.data, [cartScope(cart.id)]);
  revalidatePath(`/orders/${id.data}`);
  return result.body;
}
