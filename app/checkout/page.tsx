import type { Metadata } from "next";
import { CheckoutView } from "@/components/checkout/checkout-view.tsx";

export const metadata: Metadata = { title: "Checkout" };

/** A static shell: the cart and the idempotency key live in the browser. */
export default function CheckoutPage() {
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-col gap-1">
        <h1 className="text-3xl font-bold tracking-tight text-espresso">Checkout</h1>
        <p className="text-stone-600">Test cards only — pick how this payment should behave.</p>
      </div>
      <CheckoutView />
    </div>
  );
}
