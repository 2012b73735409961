import type { CartView } from "@/lib/cart.ts";

/** The cart as it will look once the server has set `slug` to `quantity` (0 removes): for optimistic UI. */
export function withQuantity(cart: CartView, slug: string, quantity: number): CartView {
  const items = cart.items
    .map((item) => (item.slug === slug ? { ...item, quantity, lineTotalCents: item.priceCents * quantity } : item))
    .filter((item) => item.quantity > 0);
  return {
    ...cart,
    items,
    totalCents: items.reduce((sum, item) => sum + item.lineTotalCents, 0),
    count: items.reduce((sum, item) => sum + item.quantity, 0),
  };
}
