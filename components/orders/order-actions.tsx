import type { OrderView } from "@/lib/orders.ts";

/**
 * ─── REFUND BUTTON SLOT ───────────────────────────────────────────────────────────────
 * Actions on a placed order go here. It receives the live (polled) order, so a Refund
 * button can show itself for `paid` orders only and disappear once the order is `refunded`.
 * Nothing to render yet.
 */
export function OrderActions({ order }: { order: OrderView }) {
  void order;
  return null;
}
