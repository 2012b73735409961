import type { Metadata } from "next";
import { MAX_QUANTITY } from "@/lib/cart.ts";
import { CartContents } from "@/components/cart/cart-contents.tsx";

export const metadata: Metadata = { title: "Your cart" };

/** A static shell: the cart itself is read in the browser (SWR, GET /api/cart). */
export default function CartPage() {
  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-3xl font-bold tracking-tight text-espresso">Your cart</h1>
      <CartContents maxQuantity={MAX_QUANTITY} />
    </div>
  );
}
