import { z } from "zod";
import { db } from "@/lib/db.ts";
import { sha256 } from "@/lib/hash.ts";
import { lockCart } from "@/lib/locking.ts";

export const MAX_QUANTITY = 99;

export const cartLineInput = z.object({
  slug: z.string().trim().min(1).max(100),
  quantity: z.coerce.number().int("Quantity must be a whole number").min(0).max(MAX_QUANTITY, `At most ${MAX_QUANTITY} of one product`),
});

export class CartError extends Error {
  name = "CartError";
}

const cartView = {
  id: true,
  version: true,
  items: {
    orderBy: { id: "asc" },
    select: { quantity: true, product: { select: { slug: true, name: true, priceCents: true, currency: true, image: true } } },
  },
} as const;

function present(cart: { id: string; version: number; items: { quantity: number; product: { slug: string; name: string; priceCents: number; currency: string; image: string } }[] }) {
  const items = cart.items.map(({ quantity, product }) => ({ ...product, quantity, lineTotalCents: product.priceCents * quantity }));
  return {
    id: cart.id,
    version: cart.version,
    items,
    totalCents: items.reduce((sum, item) => sum + item.lineTotalCents, 0),
    currency: items[0]?.currency ?? "usd",
    count: items.reduce((sum, item) => sum + item.quantity, 0),
  };
}

export type CartView = ReturnType<typeof present>;

export const EMPTY_CART: CartView = { id: "", version: 0, items: [], totalCents: 0, currency: "usd", count: 0 };

/** The cart behind a session token (the cookie value), or null for a visitor with no cart yet. */
export async function findCartByToken(token: string | undefined): Promise<CartView | null> {
  if (!token) return null;
  const cart = await db.cart.findUnique({ where: { tokenHash: sha256(token) }, select: cartView });
  return cart && present(cart);
}

export async function createCart(token: string): Promise<string> {
  const cart = await db.cart.create({ data: { tokenHash: sha256(token) }, select: { id: true } });
  return cart.id;
}

/**
 * Sets a product's quantity (0 removes it). Every change of contents moves the cart to a new
 * version, and with it the browser to a new idempotency key.
 */
export async function setCartQuantity(cartId: string, input: z.input<typeof cartLineInput>, mode: "set" | "add" = "set"): Promise<CartView> {
  const { slug, quantity } = cartLineInput.parse(input);
  const product = await db.product.findUnique({ where: { slug }, select: { id: true } });
  if (!product) throw new CartError(`Unknown product "${slug}"`);
  return db.$transaction(async (tx) => {
    // Row-lock order (lib/locking.ts): the cart before its items. It also queues concurrent
    // edits of one cart, so an "add" never loses another's.
    if (!(await lockCart(tx, cartId))) throw new CartError("This cart no longer exists");
    const existing = await tx.cartItem.findUnique({ where: { cartId_productId: { cartId, productId: product.id } } });
    const next = Math.min(mode === "add" ? (existing?.quantity ?? 0) + quantity : quantity, MAX_QUANTITY);
    if (next === (existing?.quantity ?? 0)) return present(await tx.cart.findUniqueOrThrow({ where: { id: cartId }, select: cartView }));
    if (next === 0) await tx.cartItem.delete({ where: { id: existing!.id } });
    else await tx.cartItem.upsert({
      where: { cartId_productId: { cartId, productId: product.id } },
      create: { cartId, productId: product.id, quantity: next },
      update: { quantity: next },
    });
    const cart = await tx.cart.update({ where: { id: cartId }, data: { version: { increment: 1 } }, select: cartView });
    return present(cart);
  });
}
