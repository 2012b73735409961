import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cartScope } from "@/lib/checkout/request.ts";
import { findOrderForScope } from "@/lib/orders.ts";
import { currentCart } from "@/lib/session.ts";
import { OrderDetails } from "@/components/orders/order-details.tsx";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Order ${(await params).id}` };
}

/** An order is visible only to the cart session that placed it; anyone else gets a 404. */
export default async function OrderPage({ params }: Props) {
  const { id } = await params;
  const cart = await currentCart();
  if (!cart) notFound();
  const order = await findOrderForScope(id, [cartScope(cart.id)]);
  if (!order) notFound();
  return <OrderDetails initialOrder={order} />;
}
