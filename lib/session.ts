import "server-only";
import { cookies } from "next/headers";
import { createCart, findCartByToken, type CartView } from "@/lib/cart.ts";
import { randomToken } from "@/lib/hash.ts";

/** The cart session lives in an httpOnly cookie holding a random token; the database stores its hash. */
export const SESSION_COOKIE = "cart_session";

export async function currentCart(): Promise<CartView | null> {
  const store = await cookies();
  return findCartByToken(store.get(SESSION_COOKIE)?.value);
}

/** The session's cart id, creating cart and cookie on first use (server actions and route handlers only). */
export async function ensureCartId(): Promise<string> {
  const existing = await currentCart();
  if (existing) return existing.id;
  const token = randomToken();
  const cartId = await createCart(token);
  const store = await cookies();
  store.set(SESSION_COOKIE, token, { httpOnly: true, sameSite: "lax", path: "/", secure: process.env.NODE_ENV === "production" && process.env.INSECURE_COOKIES !== "1", maxAge: 60 * 60 * 24 * 30 });
  return cartId;
}
