"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { CartError, setCartQuantity, type CartView } from "@/lib/cart.ts";
import { ensureCartId } from "@/lib/session.ts";

export type CartActionState = { ok: true; cart: CartView } | { ok: false; message: string };

async function change(input: { slug: unknown; quantity: unknown }, mode: "set" | "add"): Promise<CartActionState> {
  try {
    const cartId = await ensureCartId();
    const cart = await setCartQuantity(cartId, input as { slug: string; quantity: number }, mode);
    revalidatePath("/", "layout");
    return { ok: true, cart };
  } catch (error) {
    if (error instanceof CartError) return { ok: false, message: error.message };
    if (error instanceof z.ZodError) return { ok: false, message: error.issues.map((issue) => issue.message).join("; ") };
    throw error;
  }
}

/** Adds `quantity` of a product to the session's cart (created on first use). */
export async function addToCart(slug: string, quantity = 1): Promise<CartActionState> {
  return change({ slug, quantity }, "add");
}

/** Sets a line's quantity; 0 removes it. */
export async function setQuantity(slug: string, quantity: number): Promise<CartActionState> {
  return change({ slug, quantity }, "set");
}
